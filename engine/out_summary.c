/* out_summary.c — placeholder until written (issue 5). */
#include "ibmap_int.h"
#include "ibmap_output.h"
ibmap_status out_write_summaries(ibmap_ctx *ctx, const out_model *m, const char *dir) { (void)m; (void)dir; return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet"); }
