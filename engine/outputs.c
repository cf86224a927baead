/* outputs.c — placeholder until written (issue 5). */
#include <string.h>

#include "ibmap_int.h"
#include "ibmap_output.h"

void ibmap_output_options_init(ibmap_output_options *o)
{
    memset(o, 0, sizeof *o);
    o->formats = IBMAP_OUT_ALL;
    o->shp_encoding = "UTF-8";
}
