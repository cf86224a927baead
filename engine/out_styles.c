/* out_styles.c — placeholder until written (issue 5). */
#include "ibmap_int.h"
#include "ibmap_output.h"
char *out_style_qml(const out_model *m, const out_table *t, const char *const *f) { (void)m; (void)t; (void)f; return NULL; }
char *out_style_sld(const out_model *m, const out_table *t, const char *const *f) { (void)m; (void)t; (void)f; return NULL; }
ibmap_status out_write_qgs(ibmap_ctx *ctx, const out_model *m, const char *path, const char *g) { (void)m; (void)path; (void)g; return ibmap_fail(ctx, IBMAP_ERR_INTERNAL, "not written yet"); }
