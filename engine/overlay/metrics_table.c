/*
** metrics_table.c — descriptions of the per-block metrics, expanded from
** the one list in metrics_list.h.
*/
#include <string.h>

#include "overlay/overlay.h"

#define N IBMAP_METRIC_NUMBER
#define T IBMAP_METRIC_TEXT
static const ibmap_metric_info metrics[M_COUNT] = {
#define METRIC(id, name, kind, unit, zh, desc) {name, kind, unit, zh, desc},
#include "overlay/metrics_list.h"
#undef METRIC
};
#undef N
#undef T

int ibmap_metric_count(void)
{
    return M_COUNT;
}

const ibmap_metric_info *ibmap_metric(int index)
{
    return index >= 0 && index < M_COUNT ? &metrics[index] : NULL;
}

int ibmap_metric_index(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < M_COUNT; i++)
        if (strcmp(metrics[i].name, name) == 0) return i;
    return -1;
}
