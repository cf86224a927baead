/*
** store/store.h — the store stage: the workspace (workspace.c), a SQLite
** file holding every block's metrics and the loaded features, and its
** schema (schema.c), which the rules (classify/) compile against too.
*/
#ifndef IBMAP_STORE_H
#define IBMAP_STORE_H

#include "overlay/overlay.h"

/* ---------------------------------------------------------------------- */
/* schema.c                                                               */
/* ---------------------------------------------------------------------- */

/* "CREATE TABLE block_metrics(block_index INTEGER PRIMARY KEY, block_id
** TEXT, <one column per metric, REAL or TEXT>)": the one definition of the
** table the workspace stores and the rules read.  Caller frees; NULL when
** memory is exhausted. */
char *ibmap_block_metrics_ddl(void);

/* "CREATE TABLE enterprises(ent_index INTEGER PRIMARY KEY, <the columns of
** overlay/enterprise_list.h>)", likewise. */
char *ibmap_enterprises_ddl(void);

#endif /* IBMAP_STORE_H */
