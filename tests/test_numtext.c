/*
** test_numtext.c — numbers and flags typed as text (engine/load/numtext.c).
**
** Every expected value below was worked out by hand from the input text.
*/
#include "harness.h"
#include "classify/rules.h"

/* Parse text; check the result code and, for OK/NORMALISED, the value
** exactly (every number here is exactly representable or is the same
** double strtod gives for the plain ASCII spelling). */
#define CHECK_NUM(text, want_res, want_value)                               \
    do {                                                                    \
        double v_ = -12345;                                                 \
        CHECK_INT(ibmap_numtext_parse((text), &v_), (want_res));            \
        CHECK(v_ == (want_value));                                          \
    } while (0)

/* For MISSING and INVALID the value must be NaN, not 0 or untouched. */
#define CHECK_NUM_NAN(text, want_res)                                       \
    do {                                                                    \
        double v_ = -12345;                                                 \
        CHECK_INT(ibmap_numtext_parse((text), &v_), (want_res));            \
        CHECK(isnan(v_));                                                   \
    } while (0)

#define CHECK_FLAG(text, want_value)                                        \
    do {                                                                    \
        double v_ = -12345;                                                 \
        CHECK_INT(ibmap_flagtext_parse((text), &v_), IBMAP_NUMTEXT_OK);     \
        CHECK(v_ == (want_value));                                          \
    } while (0)

#define CHECK_FLAG_NAN(text, want_res)                                      \
    do {                                                                    \
        double v_ = -12345;                                                 \
        CHECK_INT(ibmap_flagtext_parse((text), &v_), (want_res));           \
        CHECK(isnan(v_));                                                   \
    } while (0)

/* ---- plain numbers: OK ---------------------------------------------- */

TEST(plain_integer_is_ok) { CHECK_NUM("1234", IBMAP_NUMTEXT_OK, 1234.0); }
TEST(plain_decimal_is_ok) { CHECK_NUM("1234.5", IBMAP_NUMTEXT_OK, 1234.5); }
TEST(negative_is_ok) { CHECK_NUM("-3.5", IBMAP_NUMTEXT_OK, -3.5); }
TEST(explicit_plus_is_ok) { CHECK_NUM("+12", IBMAP_NUMTEXT_OK, 12.0); }
TEST(exponent_is_ok) { CHECK_NUM("1e3", IBMAP_NUMTEXT_OK, 1000.0); }
TEST(negative_exponent_is_ok) { CHECK_NUM("25E-2", IBMAP_NUMTEXT_OK, 0.25); }
TEST(leading_point_is_ok) { CHECK_NUM(".5", IBMAP_NUMTEXT_OK, 0.5); }
TEST(trailing_point_is_ok) { CHECK_NUM("5.", IBMAP_NUMTEXT_OK, 5.0); }
TEST(zero_is_ok_not_missing) { CHECK_NUM("0", IBMAP_NUMTEXT_OK, 0.0); }
TEST(leading_zeros_are_ok) { CHECK_NUM("007", IBMAP_NUMTEXT_OK, 7.0); }

TEST(inexact_decimal_matches_strtod)
{
    double v;
    CHECK_INT(ibmap_numtext_parse("0.1", &v), IBMAP_NUMTEXT_OK);
    CHECK(v == 0.1);
}

/* ---- clean-up: NORMALISED ------------------------------------------- */

TEST(thousands_separator_is_normalised)
{
    CHECK_NUM("1,234.5", IBMAP_NUMTEXT_NORMALISED, 1234.5);
}

TEST(several_thousands_groups_are_normalised)
{
    CHECK_NUM("-12,345,678", IBMAP_NUMTEXT_NORMALISED, -12345678.0);
}

TEST(full_width_digits_are_normalised)
{
    /* １２３４．５ : U+FF11 U+FF12 U+FF13 U+FF14 U+FF0E U+FF15 */
    CHECK_NUM("\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x8E"
              "\xEF\xBC\x95",
              IBMAP_NUMTEXT_NORMALISED, 1234.5);
}

TEST(full_width_literal_is_normalised)
{
    CHECK_NUM("１２３４．５", IBMAP_NUMTEXT_NORMALISED, 1234.5);
}

TEST(full_width_comma_groups_are_normalised)
{
    CHECK_NUM("１，２３４", IBMAP_NUMTEXT_NORMALISED, 1234.0);
}

TEST(full_width_minus_is_normalised)
{
    CHECK_NUM("－３．５", IBMAP_NUMTEXT_NORMALISED, -3.5);
}

TEST(full_width_plus_is_normalised)
{
    CHECK_NUM("＋７", IBMAP_NUMTEXT_NORMALISED, 7.0);
}

TEST(mixed_width_is_normalised)
{
    CHECK_NUM("1，234.5", IBMAP_NUMTEXT_NORMALISED, 1234.5);
}

TEST(trailing_space_is_normalised)
{
    CHECK_NUM("12 ", IBMAP_NUMTEXT_NORMALISED, 12.0);
}

TEST(surrounding_spaces_are_normalised)
{
    CHECK_NUM("  12.5  ", IBMAP_NUMTEXT_NORMALISED, 12.5);
}

TEST(tabs_and_newlines_are_normalised)
{
    CHECK_NUM("\t42\r\n", IBMAP_NUMTEXT_NORMALISED, 42.0);
}

TEST(ideographic_space_is_normalised)
{
    /* U+3000 on both sides */
    CHECK_NUM("\xE3\x80\x80" "88" "\xE3\x80\x80", IBMAP_NUMTEXT_NORMALISED,
              88.0);
}

TEST(no_break_space_is_normalised)
{
    CHECK_NUM("\xC2\xA0" "9.75", IBMAP_NUMTEXT_NORMALISED, 9.75);
}

TEST(separator_with_exponent_is_normalised)
{
    CHECK_NUM("1,000e3", IBMAP_NUMTEXT_NORMALISED, 1000000.0);
}

/* ---- recognised no-values: MISSING ---------------------------------- */

TEST(null_pointer_is_missing)
{
    CHECK_NUM_NAN(NULL, IBMAP_NUMTEXT_MISSING);
}

TEST(empty_is_missing) { CHECK_NUM_NAN("", IBMAP_NUMTEXT_MISSING); }
TEST(spaces_only_is_missing) { CHECK_NUM_NAN("   ", IBMAP_NUMTEXT_MISSING); }

TEST(ideographic_space_only_is_missing)
{
    CHECK_NUM_NAN("\xE3\x80\x80\t", IBMAP_NUMTEXT_MISSING);
}

TEST(wu_is_missing) { CHECK_NUM_NAN("无", IBMAP_NUMTEXT_MISSING); }
TEST(kong_is_missing) { CHECK_NUM_NAN("空", IBMAP_NUMTEXT_MISSING); }
TEST(zanwu_is_missing) { CHECK_NUM_NAN("暂无", IBMAP_NUMTEXT_MISSING); }
TEST(buxiang_is_missing) { CHECK_NUM_NAN("不详", IBMAP_NUMTEXT_MISSING); }
TEST(hyphen_is_missing) { CHECK_NUM_NAN("-", IBMAP_NUMTEXT_MISSING); }
TEST(double_hyphen_is_missing) { CHECK_NUM_NAN("--", IBMAP_NUMTEXT_MISSING); }

TEST(em_dash_is_missing)
{
    CHECK_NUM_NAN("\xE2\x80\x94", IBMAP_NUMTEXT_MISSING); /* U+2014 */
}

TEST(chinese_double_dash_is_missing)
{
    CHECK_NUM_NAN("——", IBMAP_NUMTEXT_MISSING);
}

TEST(full_width_minus_alone_is_missing)
{
    CHECK_NUM_NAN("\xEF\xBC\x8D", IBMAP_NUMTEXT_MISSING); /* U+FF0D */
}

TEST(slash_is_missing) { CHECK_NUM_NAN("/", IBMAP_NUMTEXT_MISSING); }

TEST(full_width_slash_is_missing)
{
    CHECK_NUM_NAN("\xEF\xBC\x8F", IBMAP_NUMTEXT_MISSING); /* U+FF0F */
}

TEST(n_a_any_case_is_missing)
{
    CHECK_NUM_NAN("N/A", IBMAP_NUMTEXT_MISSING);
    CHECK_NUM_NAN("n/a", IBMAP_NUMTEXT_MISSING);
}

TEST(na_is_missing) { CHECK_NUM_NAN("NA", IBMAP_NUMTEXT_MISSING); }
TEST(excel_na_is_missing) { CHECK_NUM_NAN("#N/A", IBMAP_NUMTEXT_MISSING); }

TEST(null_word_any_case_is_missing)
{
    CHECK_NUM_NAN("NULL", IBMAP_NUMTEXT_MISSING);
    CHECK_NUM_NAN("null", IBMAP_NUMTEXT_MISSING);
}

TEST(none_is_missing) { CHECK_NUM_NAN("None", IBMAP_NUMTEXT_MISSING); }

TEST(no_value_with_spaces_is_missing)
{
    CHECK_NUM_NAN("  无 ", IBMAP_NUMTEXT_MISSING);
}

/* ---- anything else: INVALID ----------------------------------------- */

TEST(letters_are_invalid) { CHECK_NUM_NAN("abc", IBMAP_NUMTEXT_INVALID); }

TEST(unit_suffix_is_invalid)
{
    CHECK_NUM_NAN("12元", IBMAP_NUMTEXT_INVALID);
}

TEST(unit_in_middle_is_invalid)
{
    CHECK_NUM_NAN("12元3", IBMAP_NUMTEXT_INVALID);
}

TEST(two_points_are_invalid)
{
    CHECK_NUM_NAN("1.2.3", IBMAP_NUMTEXT_INVALID);
}

TEST(short_group_is_invalid)
{
    CHECK_NUM_NAN("12,34", IBMAP_NUMTEXT_INVALID);
}

TEST(long_group_is_invalid)
{
    CHECK_NUM_NAN("1,2345", IBMAP_NUMTEXT_INVALID);
}

TEST(long_first_group_is_invalid)
{
    CHECK_NUM_NAN("1234,567", IBMAP_NUMTEXT_INVALID);
}

TEST(leading_separator_is_invalid)
{
    CHECK_NUM_NAN(",123", IBMAP_NUMTEXT_INVALID);
}

TEST(trailing_separator_is_invalid)
{
    CHECK_NUM_NAN("123,", IBMAP_NUMTEXT_INVALID);
}

TEST(separator_in_fraction_is_invalid)
{
    CHECK_NUM_NAN("1.234,5", IBMAP_NUMTEXT_INVALID);
}

TEST(nan_word_is_invalid) { CHECK_NUM_NAN("nan", IBMAP_NUMTEXT_INVALID); }
TEST(inf_word_is_invalid) { CHECK_NUM_NAN("inf", IBMAP_NUMTEXT_INVALID); }

TEST(infinity_word_is_invalid)
{
    CHECK_NUM_NAN("-Infinity", IBMAP_NUMTEXT_INVALID);
}

TEST(hex_float_is_invalid)
{
    /* strtod would take this as 8; it is not a decimal figure. */
    CHECK_NUM_NAN("0x1p3", IBMAP_NUMTEXT_INVALID);
}

TEST(overflow_is_invalid) { CHECK_NUM_NAN("1e999", IBMAP_NUMTEXT_INVALID); }

TEST(underflow_is_invalid)
{
    CHECK_NUM_NAN("1e-999", IBMAP_NUMTEXT_INVALID);
}

TEST(bare_sign_is_invalid) { CHECK_NUM_NAN("+", IBMAP_NUMTEXT_INVALID); }
TEST(bare_point_is_invalid) { CHECK_NUM_NAN(".", IBMAP_NUMTEXT_INVALID); }

TEST(empty_exponent_is_invalid)
{
    CHECK_NUM_NAN("1e", IBMAP_NUMTEXT_INVALID);
}

TEST(inner_space_is_invalid)
{
    CHECK_NUM_NAN("1 234", IBMAP_NUMTEXT_INVALID);
}

TEST(double_sign_is_invalid)
{
    CHECK_NUM_NAN("--5", IBMAP_NUMTEXT_INVALID);
}

TEST(full_width_slash_inside_is_invalid)
{
    CHECK_NUM_NAN("1／2", IBMAP_NUMTEXT_INVALID);
}

TEST(overlong_text_is_invalid)
{
    char buf[400];
    memset(buf, '1', sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    CHECK_NUM_NAN(buf, IBMAP_NUMTEXT_INVALID);
}

TEST(null_value_pointer_is_tolerated)
{
    CHECK_INT(ibmap_numtext_parse("12", NULL), IBMAP_NUMTEXT_OK);
    CHECK_INT(ibmap_flagtext_parse("是", NULL), IBMAP_NUMTEXT_OK);
}

/* ---- flags ---------------------------------------------------------- */

TEST(flag_shi_is_yes) { CHECK_FLAG("是", 1); }
TEST(flag_fou_is_no) { CHECK_FLAG("否", 0); }
TEST(flag_you_is_yes) { CHECK_FLAG("有", 1); }
TEST(flag_wu_is_no) { CHECK_FLAG("无", 0); }

TEST(flag_y_n_any_case)
{
    CHECK_FLAG("Y", 1);
    CHECK_FLAG("y", 1);
    CHECK_FLAG("N", 0);
    CHECK_FLAG("n", 0);
}

TEST(flag_yes_no_any_case)
{
    CHECK_FLAG("YES", 1);
    CHECK_FLAG("Yes", 1);
    CHECK_FLAG("no", 0);
    CHECK_FLAG("NO", 0);
}

TEST(flag_true_false_any_case)
{
    CHECK_FLAG("true", 1);
    CHECK_FLAG("TRUE", 1);
    CHECK_FLAG("False", 0);
}

TEST(flag_t_f)
{
    CHECK_FLAG("T", 1);
    CHECK_FLAG("f", 0);
}

TEST(flag_digits)
{
    CHECK_FLAG("1", 1);
    CHECK_FLAG("0", 0);
}

TEST(flag_full_width_digits)
{
    CHECK_FLAG("\xEF\xBC\x91", 1); /* U+FF11 */
    CHECK_FLAG("\xEF\xBC\x90", 0); /* U+FF10 */
}

TEST(flag_is_trimmed)
{
    CHECK_FLAG("  是\t", 1);
    CHECK_FLAG("\xE3\x80\x80否", 0);
}

TEST(flag_null_is_missing) { CHECK_FLAG_NAN(NULL, IBMAP_NUMTEXT_MISSING); }
TEST(flag_empty_is_missing) { CHECK_FLAG_NAN("", IBMAP_NUMTEXT_MISSING); }

TEST(flag_spaces_is_missing)
{
    CHECK_FLAG_NAN(" \t ", IBMAP_NUMTEXT_MISSING);
}

TEST(flag_other_number_is_invalid)
{
    CHECK_FLAG_NAN("2", IBMAP_NUMTEXT_INVALID);
}

TEST(flag_word_is_invalid) { CHECK_FLAG_NAN("maybe", IBMAP_NUMTEXT_INVALID); }

TEST(flag_prefix_is_not_enough)
{
    /* "yesterday" starts with "yes" but is not a flag. */
    CHECK_FLAG_NAN("yesterday", IBMAP_NUMTEXT_INVALID);
}

TEST(flag_dash_is_invalid_not_missing)
{
    /* Only empty text is MISSING for a flag (see ibmap_int.h). */
    CHECK_FLAG_NAN("-", IBMAP_NUMTEXT_INVALID);
}

int main(void)
{
    RUN(plain_integer_is_ok);
    RUN(plain_decimal_is_ok);
    RUN(negative_is_ok);
    RUN(explicit_plus_is_ok);
    RUN(exponent_is_ok);
    RUN(negative_exponent_is_ok);
    RUN(leading_point_is_ok);
    RUN(trailing_point_is_ok);
    RUN(zero_is_ok_not_missing);
    RUN(leading_zeros_are_ok);
    RUN(inexact_decimal_matches_strtod);

    RUN(thousands_separator_is_normalised);
    RUN(several_thousands_groups_are_normalised);
    RUN(full_width_digits_are_normalised);
    RUN(full_width_literal_is_normalised);
    RUN(full_width_comma_groups_are_normalised);
    RUN(full_width_minus_is_normalised);
    RUN(full_width_plus_is_normalised);
    RUN(mixed_width_is_normalised);
    RUN(trailing_space_is_normalised);
    RUN(surrounding_spaces_are_normalised);
    RUN(tabs_and_newlines_are_normalised);
    RUN(ideographic_space_is_normalised);
    RUN(no_break_space_is_normalised);
    RUN(separator_with_exponent_is_normalised);

    RUN(null_pointer_is_missing);
    RUN(empty_is_missing);
    RUN(spaces_only_is_missing);
    RUN(ideographic_space_only_is_missing);
    RUN(wu_is_missing);
    RUN(kong_is_missing);
    RUN(zanwu_is_missing);
    RUN(buxiang_is_missing);
    RUN(hyphen_is_missing);
    RUN(double_hyphen_is_missing);
    RUN(em_dash_is_missing);
    RUN(chinese_double_dash_is_missing);
    RUN(full_width_minus_alone_is_missing);
    RUN(slash_is_missing);
    RUN(full_width_slash_is_missing);
    RUN(n_a_any_case_is_missing);
    RUN(na_is_missing);
    RUN(excel_na_is_missing);
    RUN(null_word_any_case_is_missing);
    RUN(none_is_missing);
    RUN(no_value_with_spaces_is_missing);

    RUN(letters_are_invalid);
    RUN(unit_suffix_is_invalid);
    RUN(unit_in_middle_is_invalid);
    RUN(two_points_are_invalid);
    RUN(short_group_is_invalid);
    RUN(long_group_is_invalid);
    RUN(long_first_group_is_invalid);
    RUN(leading_separator_is_invalid);
    RUN(trailing_separator_is_invalid);
    RUN(separator_in_fraction_is_invalid);
    RUN(nan_word_is_invalid);
    RUN(inf_word_is_invalid);
    RUN(infinity_word_is_invalid);
    RUN(hex_float_is_invalid);
    RUN(overflow_is_invalid);
    RUN(underflow_is_invalid);
    RUN(bare_sign_is_invalid);
    RUN(bare_point_is_invalid);
    RUN(empty_exponent_is_invalid);
    RUN(inner_space_is_invalid);
    RUN(double_sign_is_invalid);
    RUN(full_width_slash_inside_is_invalid);
    RUN(overlong_text_is_invalid);
    RUN(null_value_pointer_is_tolerated);

    RUN(flag_shi_is_yes);
    RUN(flag_fou_is_no);
    RUN(flag_you_is_yes);
    RUN(flag_wu_is_no);
    RUN(flag_y_n_any_case);
    RUN(flag_yes_no_any_case);
    RUN(flag_true_false_any_case);
    RUN(flag_t_f);
    RUN(flag_digits);
    RUN(flag_full_width_digits);
    RUN(flag_is_trimmed);
    RUN(flag_null_is_missing);
    RUN(flag_empty_is_missing);
    RUN(flag_spaces_is_missing);
    RUN(flag_other_number_is_invalid);
    RUN(flag_word_is_invalid);
    RUN(flag_prefix_is_not_enough);
    RUN(flag_dash_is_invalid_not_missing);
    return test_finish();
}
