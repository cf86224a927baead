/*
** schema.c — the workspace's block_metrics and enterprises tables, each
** defined once.
**
** The workspace creates it (workspace.c) and the rules compile their SQL
** against an empty copy of it (classify/rules.c), so that a rule naming a
** column the workspace lacks fails when the rules are read, not halfway
** through a classification.  Both take the definition from here.
*/
#include "store/store.h"

char *ibmap_block_metrics_ddl(void)
{
    ibmap_strbuf b = {0};
    ibmap_strbuf_put(&b, "CREATE TABLE block_metrics(block_index INTEGER PRIMARY KEY, "
                         "block_id TEXT");
    for (int k = 0; k < M_COUNT; k++)
        ibmap_strbuf_printf(&b, ", \"%s\" %s", ibmap_metric(k)->name,
                            ibmap_metric(k)->kind == IBMAP_METRIC_TEXT ? "TEXT" : "REAL");
    ibmap_strbuf_put(&b, ")");
    return ibmap_strbuf_take(&b);
}

char *ibmap_enterprises_ddl(void)
{
    ibmap_strbuf b = {0};
    ibmap_strbuf_put(&b, "CREATE TABLE enterprises(ent_index INTEGER PRIMARY KEY");
#define ENT(name, kind, unit, zh, expr, desc) \
    ibmap_strbuf_printf(&b, ", \"%s\" %s", #name, *#kind == 'T' ? "TEXT" : "REAL");
#include "overlay/enterprise_list.h"
#undef ENT
    ibmap_strbuf_put(&b, ")");
    return ibmap_strbuf_take(&b);
}
