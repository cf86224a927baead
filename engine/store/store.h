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

/* ---------------------------------------------------------------------- */
/* enterprises.c: the enterprises of a workspace                          */
/* ---------------------------------------------------------------------- */

/* Write the tables enterprise_parcels and enterprises into db, which
** already holds layer_parcels and block_metrics (workspace.c, inside its
** transaction).  1 on success. */
struct sqlite3;
int ibmap_workspace_write_enterprises(struct sqlite3 *db, const ibmap_data *data,
                                      const ibmap_metrics *m);

/* The six 标志性产业链 by GB/T 4754-2017 code prefix (the rows of
** layers/tables/industry_chains.csv). */
int ibmap_industry_chain_count(void);
const char *ibmap_industry_chain_prefix(int i);
const char *ibmap_industry_chain_name(int i);

#endif /* IBMAP_STORE_H */
