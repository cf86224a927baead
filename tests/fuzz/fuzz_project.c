/*
** fuzz_project.c — the project-file parser (engine/load/project.c).
**
** The input is written to a file and read with ibmap_project_read(); a
** project that loads must give every role it names a source.  Then every
** line of the input of the form KEY=VALUE is applied to a fresh project
** with ibmap_project_set(), the command line's route into the same
** settings code.  Relative source paths resolve against the scratch
** directory, so the only file-system effect is stat() calls.
*/
#include "fuzz_util.h"
#include "classify/rules.h"

static ibmap_ctx *ctx;
static char project_path[8192];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    ctx = ibmap_ctx_new();
    if (!ctx) abort();
    snprintf(project_path, sizeof project_path, "%s", fuzz_path("project.yaml"));
    return 0;
}

static void check_project(const ibmap_project *p)
{
    for (int r = 0; r < IBMAP_ROLE_COUNT; r++) {
        const ibmap_role_source *rs = &p->roles[r];
        if (rs->given) FUZZ_ASSERT(rs->source != NULL);
        FUZZ_ASSERT(rs->field_map != NULL);
        FUZZ_ASSERT((int)rs->coords >= 0 && (int)rs->coords <= IBMAP_COORDS_BD09);
        FUZZ_ASSERT(rs->codes >= -1 && rs->codes < IBMAP_CODES_COUNT);
    }
    FUZZ_ASSERT(p->area == IBMAP_AREA_PLANAR || p->area == IBMAP_AREA_ELLIPSOIDAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_write(project_path, data, size);
    ibmap_project *p = NULL;
    ibmap_status st = ibmap_project_read(ctx, project_path, &p);
    FUZZ_ASSERT((st == IBMAP_OK) == (p != NULL));
    /* The message is always a string, whatever happened. */
    FUZZ_ASSERT(strlen(ibmap_errmsg(ctx)) < sizeof ctx->errmsg);
    if (p) check_project(p);
    ibmap_project_free(p);

    /* KEY=VALUE lines through ibmap_project_set(). */
    char *text = fuzz_cstr(data, size);
    p = NULL;
    if (ibmap_project_new(ctx, &p) != IBMAP_OK) abort();
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        ibmap_project_set(ctx, p, line, eq + 1);
    }
    check_project(p);
    ibmap_project_free(p);
    free(text);
    return 0;
}
