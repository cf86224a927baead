/*
** fuzz_numtext.c — numbers and flags typed as text (engine/load/numtext.c).
**
** ibmap_numtext_parse() and ibmap_flagtext_parse() on a NUL-terminated
** copy of the input, with their documented contracts checked: a number
** (OK, NORMALISED) is finite, anything else is NaN, never a silent 0; a
** plain number (OK) is exactly what strtod() reads; a flag is 0 or 1.
*/
#include <math.h>

#include "fuzz_util.h"
#include "classify/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size);
    double v = 0;
    ibmap_numtext_result r = ibmap_numtext_parse(text, &v);
    switch (r) {
    case IBMAP_NUMTEXT_OK:
        FUZZ_ASSERT(isfinite(v));
        FUZZ_ASSERT(strtod(text, NULL) == v);
        break;
    case IBMAP_NUMTEXT_NORMALISED:
        FUZZ_ASSERT(isfinite(v));
        break;
    case IBMAP_NUMTEXT_MISSING:
    case IBMAP_NUMTEXT_INVALID:
        FUZZ_ASSERT(isnan(v));
        break;
    default:
        FUZZ_ASSERT(!"ibmap_numtext_parse: result out of range");
    }
    /* A NULL value pointer is allowed and must give the same answer. */
    FUZZ_ASSERT(ibmap_numtext_parse(text, NULL) == r);

    v = 0;
    r = ibmap_flagtext_parse(text, &v);
    switch (r) {
    case IBMAP_NUMTEXT_OK:
        FUZZ_ASSERT(v == 0 || v == 1);
        break;
    case IBMAP_NUMTEXT_MISSING:
    case IBMAP_NUMTEXT_INVALID:
        FUZZ_ASSERT(isnan(v));
        break;
    default:
        FUZZ_ASSERT(!"ibmap_flagtext_parse: result out of range");
    }
    FUZZ_ASSERT(ibmap_flagtext_parse(text, NULL) == r);
    free(text);
    return 0;
}
