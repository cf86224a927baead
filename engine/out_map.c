/* out_map.c — placeholder until written (issue 5). */
#include "ibmap_int.h"
#include "ibmap_output.h"
ibmap_status out_write_map(ibmap_ctx *ctx, const out_model *m, const char *png, const char *pdf) { (void)m; (void)png; (void)pdf; return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet"); }
