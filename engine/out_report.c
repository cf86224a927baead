/* out_report.c — placeholder until written (issue 5). */
#include "ibmap_int.h"
#include "ibmap_output.h"
ibmap_status out_write_report(ibmap_ctx *ctx, const out_model *m, const char *path, const char *png) { (void)m; (void)path; (void)png; return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet"); }
