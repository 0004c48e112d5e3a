/* JSON parser and writer: JSONTestSuite-style accept/reject tables, escapes, numbers,
   nesting limit, error positions, writer output (as Python's json.dumps) and round trips.
   This file compiles its own static copy of lora.h to reach the internal writer helpers. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stdlib.h>
/* allocation hooks that can fail on demand, to test every out-of-memory path */
static long fail_after = -1;   /* -1: never fail; n: the n+1-th allocation from now fails */
static void *t_malloc(size_t n) { if (fail_after == 0) return NULL; if (fail_after > 0) fail_after--; return malloc(n); }
static void *t_realloc(void *p, size_t n) { if (fail_after == 0) return NULL; if (fail_after > 0) fail_after--; return realloc(p, n); }
#define LORA_MALLOC(n) t_malloc(n)
#define LORA_REALLOC(p, n) t_realloc(p, n)
#define LORA_FREE(p) free(p)
#define LORA_STATIC
#define LORA_IMPLEMENTATION
#include "lora.h"
#include "test.h"
#include <stdlib.h>
#include <time.h>
#include <locale.h>

typedef struct jcase { const char *name; const char *text; size_t len; } jcase;
#define J(name, lit) { name, lit, sizeof(lit) - 1 }

/* must parse */
static const jcase yes[] = {
    J("y_array_arraysWithSpaces", "[[]   ]"),
    J("y_array_empty", "[]"),
    J("y_array_empty-string", "[\"\"]"),
    J("y_array_false", "[false]"),
    J("y_array_heterogeneous", "[null, 1, \"1\", {}]"),
    J("y_array_null", "[null]"),
    J("y_array_with_1_and_newline", "[1\n]"),
    J("y_array_with_leading_space", " [1]"),
    J("y_array_with_several_null", "[1,null,null,null,2]"),
    J("y_array_with_trailing_space", "[2] "),
    J("y_number", "[123e65]"),
    J("y_number_0e+1", "[0e+1]"),
    J("y_number_0e1", "[0e1]"),
    J("y_number_after_space", "[ 4]"),
    J("y_number_double_close_to_zero", "[-0.000000000000000000000000000000000000000000000000000000000000000000000000000001]"),
    J("y_number_int_with_exp", "[20e1]"),
    J("y_number_minus_zero", "[-0]"),
    J("y_number_negative_int", "[-123]"),
    J("y_number_negative_one", "[-1]"),
    J("y_number_real_capital_e", "[1E22]"),
    J("y_number_real_capital_e_neg_exp", "[1E-2]"),
    J("y_number_real_capital_e_pos_exp", "[1E+2]"),
    J("y_number_real_exponent", "[123e45]"),
    J("y_number_real_fraction_exponent", "[123.456e78]"),
    J("y_number_real_neg_exp", "[1e-2]"),
    J("y_number_real_pos_exponent", "[1e+2]"),
    J("y_number_simple_int", "[123]"),
    J("y_number_simple_real", "[123.456789]"),
    J("y_number_very_small (underflows to 0)", "[1e-400]"),
    J("y_number_many_digits", "[123456789012345678901234567890123456789012345678901234567890]"),
    J("y_object", "{\"asd\":\"sdf\", \"dfg\":\"fgh\"}"),
    J("y_object_basic", "{\"asd\":\"sdf\"}"),
    J("y_object_duplicated_key", "{\"a\":\"b\",\"a\":\"c\"}"),
    J("y_object_duplicated_key_and_value", "{\"a\":\"b\",\"a\":\"b\"}"),
    J("y_object_empty", "{}"),
    J("y_object_empty_key", "{\"\":0}"),
    J("y_object_escaped_null_in_key", "{\"foo\\u0000bar\": 42}"),
    J("y_object_extreme_numbers", "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }"),
    J("y_object_simple", "{\"a\":[]}"),
    J("y_object_string_unicode", "{\"title\":\"\\u041f\\u043e\\u043b\\u0442\\u043e\\u0440\\u0430 \\u0417\\u0435\\u043c\\u043b\\u0435\\u043a\\u043e\\u043f\\u0430\" }"),
    J("y_object_with_newlines", "{\n\"a\": \"b\"\n}"),
    J("y_string_1_2_3_bytes_UTF-8_sequences", "[\"\\u0060\\u012a\\u12AB\"]"),
    J("y_string_accepted_surrogate_pair", "[\"\\uD801\\udc37\"]"),
    J("y_string_accepted_surrogate_pairs", "[\"\\ud83d\\ude39\\ud83d\\udc8d\"]"),
    J("y_string_allowed_escapes", "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"),
    J("y_string_backslash_and_u_escaped_zero", "[\"\\\\u0000\"]"),
    J("y_string_backslash_doublequotes", "[\"\\\"\"]"),
    J("y_string_comments", "[\"a/*b*/c/*d//e\"]"),
    J("y_string_double_escape_a", "[\"\\\\a\"]"),
    J("y_string_double_escape_n", "[\"\\\\n\"]"),
    J("y_string_escaped_control_character", "[\"\\u0012\"]"),
    J("y_string_escaped_noncharacter", "[\"\\uFFFF\"]"),
    J("y_string_in_array", "[\"asd\"]"),
    J("y_string_in_array_with_leading_space", "[ \"asd\"]"),
    J("y_string_last_surrogates_1_and_2", "[\"\\uDBFF\\uDFFF\"]"),
    J("y_string_nbsp_uescaped", "[\"new\\u00A0line\"]"),
    J("y_string_nonCharacterInUTF-8_U+10FFFF", "[\"\xf4\x8f\xbf\xbf\"]"),
    J("y_string_nonCharacterInUTF-8_U+FFFF", "[\"\xef\xbf\xbf\"]"),
    J("y_string_null_escape", "[\"\\u0000\"]"),
    J("y_string_one-byte-utf-8", "[\"\\u002c\"]"),
    J("y_string_pi", "[\"\xcf\x80\"]"),
    J("y_string_reservedCharacterInUTF-8_U+1BFFF", "[\"\xf0\x9b\xbf\xbf\"]"),
    J("y_string_simple_ascii", "[\"asd \"]"),
    J("y_string_space", "\" \""),
    J("y_string_surrogates_U+1D11E_MUSICAL_SYMBOL_G_CLEF", "[\"\\uD834\\uDd1e\"]"),
    J("y_string_three-byte-utf-8", "[\"\\u0821\"]"),
    J("y_string_two-byte-utf-8", "[\"\\u0123\"]"),
    J("y_string_u+2028_line_sep", "[\"\xe2\x80\xa8\"]"),
    J("y_string_u+2029_par_sep", "[\"\xe2\x80\xa9\"]"),
    J("y_string_uEscape", "[\"\\u0061\\u30af\\u30EA\\u30b9\"]"),
    J("y_string_uescaped_newline", "[\"new\\u000Aline\"]"),
    J("y_string_unescaped_char_delete", "[\"\x7f\"]"),
    J("y_string_unicode", "[\"\\uA66D\"]"),
    J("y_string_unicodeEscapedBackslash", "[\"\\u005C\"]"),
    J("y_string_unicode_2", "[\"\xe2\x8d\x82\xe3\x88\xb4\xe2\x8d\x82\"]"),
    J("y_string_unicode_U+10FFFE_nonchar", "[\"\\uDBFF\\uDFFE\"]"),
    J("y_string_unicode_U+FDD0_nonchar", "[\"\\uFDD0\"]"),
    J("y_string_unicode_escaped_double_quote", "[\"\\u0022\"]"),
    J("y_string_utf8", "[\"\xe2\x82\xac\xf0\x9d\x84\x9e\"]"),
    J("y_string_with_del_character", "[\"a\x7f" "a\"]"),
    J("y_string_two_byte_min", "[\"\xc2\x80\"]"),
    J("y_string_three_byte_min", "[\"\xe0\xa0\x80\"]"),
    J("y_string_four_byte_min", "[\"\xf0\x90\x80\x80\"]"),
    J("y_string_before_surrogates", "[\"\xed\x9f\xbf\"]"),
    J("y_string_after_surrogates", "[\"\xee\x80\x80\"]"),
    J("y_structure_lonely_false", "false"),
    J("y_structure_lonely_int", "42"),
    J("y_structure_lonely_negative_real", "-0.1"),
    J("y_structure_lonely_null", "null"),
    J("y_structure_lonely_string", "\"asd\""),
    J("y_structure_lonely_true", "true"),
    J("y_structure_string_empty", "\"\""),
    J("y_structure_trailing_newline", "[\"a\"]\n"),
    J("y_structure_true_in_array", "[true]"),
    J("y_structure_whitespace_array", " [] "),
    J("y_structure_all_whitespace_kinds", " \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n2 \t\r\n} \t\r\n] \t\r\n"),
};

/* must be rejected; `where` is the expected "line:col" of the message, or NULL */
typedef struct ncase { const char *name; const char *text; size_t len; const char *where; const char *reason; } ncase;
#define N(name, lit, where, reason) { name, lit, sizeof(lit) - 1, where, reason }
static const ncase no[] = {
    N("n_array_1_true_without_comma", "[1 true]", "1:4", "expected ',' or ']'"),
    N("n_array_a_invalid_utf8", "[a\xe5]", "1:2", "expected a value"),
    N("n_array_colon_instead_of_comma", "[\"\": 1]", "1:4", "expected ',' or ']'"),
    N("n_array_comma_after_close", "[\"\"],", "1:5", "after the JSON value"),
    N("n_array_comma_and_number", "[,1]", "1:2", "expected a value"),
    N("n_array_double_comma", "[1,,2]", "1:4", "expected a value"),
    N("n_array_double_extra_comma", "[\"x\",,]", NULL, NULL),
    N("n_array_extra_close", "[\"x\"]]", "1:6", "after the JSON value"),
    N("n_array_extra_comma", "[\"\",]", "1:5", "trailing comma"),
    N("n_array_incomplete", "[\"x\"", "1:5", "expected ',' or ']'"),
    N("n_array_incomplete_invalid_value", "[x", "1:2", NULL),
    N("n_array_inner_array_no_comma", "[3[4]]", "1:3", NULL),
    N("n_array_invalid_utf8", "[\xff]", "1:2", "byte 0xFF"),
    N("n_array_items_separated_by_semicolon", "[1:2]", NULL, NULL),
    N("n_array_just_comma", "[,]", NULL, NULL),
    N("n_array_just_minus", "[-]", "1:3", "expected a digit after '-'"),
    N("n_array_missing_value", "[   , \"\"]", NULL, NULL),
    N("n_array_newlines_unclosed", "[\"a\",\n4\n,1,", "3:4", "end of input"),
    N("n_array_number_and_comma", "[1,]", "1:4", "trailing comma"),
    N("n_array_number_and_several_commas", "[1,,]", NULL, NULL),
    N("n_array_spaces_vertical_tab_formfeed", "[\"\va\"\\f]", NULL, "control character U+000B"),
    N("n_array_star_inside", "[*]", NULL, NULL),
    N("n_array_unclosed", "[\"\"", NULL, NULL),
    N("n_array_unclosed_trailing_comma", "[1,", NULL, NULL),
    N("n_array_unclosed_with_new_lines", "[1,\n1\n,1", NULL, NULL),
    N("n_array_unclosed_with_object_inside", "[{}", NULL, NULL),
    N("n_incomplete_false", "[fals]", "1:2", "invalid literal"),
    N("n_incomplete_null", "[nul]", NULL, "invalid literal"),
    N("n_incomplete_true", "[tru]", NULL, "invalid literal"),
    N("n_multidigit_number_then_00", "123\0", "1:4", "byte 0x00"),
    N("n_number_++", "[++1234]", NULL, "no '+'"),
    N("n_number_+1", "[+1]", NULL, NULL),
    N("n_number_+Inf", "[+Inf]", NULL, NULL),
    N("n_number_-01", "[-01]", "1:2", "leading zeros"),
    N("n_number_-1.0.", "[-1.0.]", NULL, NULL),
    N("n_number_-2.", "[-2.]", "1:5", "expected a digit after '.'"),
    N("n_number_-NaN", "[-NaN]", NULL, NULL),
    N("n_number_.-1", "[.-1]", NULL, NULL),
    N("n_number_.2e-3", "[.2e-3]", NULL, NULL),
    N("n_number_0.1.2", "[0.1.2]", NULL, NULL),
    N("n_number_0.3e+", "[0.3e+]", NULL, "exponent"),
    N("n_number_0.3e", "[0.3e]", NULL, "exponent"),
    N("n_number_0.e1", "[0.e1]", NULL, NULL),
    N("n_number_0_capital_E+", "[0E+]", NULL, NULL),
    N("n_number_0_capital_E", "[0E]", NULL, NULL),
    N("n_number_0e+", "[0e+]", NULL, NULL),
    N("n_number_0e", "[0e]", NULL, NULL),
    N("n_number_1.0e+", "[1.0e+]", NULL, NULL),
    N("n_number_1.0e-", "[1.0e-]", NULL, NULL),
    N("n_number_1.0e", "[1.0e]", NULL, NULL),
    N("n_number_1_000", "[1 000.0]", NULL, NULL),
    N("n_number_1eE2", "[1eE2]", NULL, NULL),
    N("n_number_2.e+3", "[2.e+3]", NULL, NULL),
    N("n_number_2.e-3", "[2.e-3]", NULL, NULL),
    N("n_number_2.e3", "[2.e3]", NULL, NULL),
    N("n_number_9.e+", "[9.e+]", NULL, NULL),
    N("n_number_Inf", "[Inf]", NULL, NULL),
    N("n_number_NaN", "[NaN]", NULL, "NaN"),
    N("n_number_U+FF11_fullwidth_digit_one", "[\xef\xbc\x91]", NULL, NULL),
    N("n_number_expression", "[1+2]", NULL, NULL),
    N("n_number_hex_1_digit", "[0x1]", NULL, NULL),
    N("n_number_hex_2_digits", "[0x42]", NULL, NULL),
    N("n_number_infinity", "[Infinity]", NULL, NULL),
    N("n_number_invalid+-", "[0e+-1]", NULL, NULL),
    N("n_number_invalid-negative-real", "[-123.123foo]", NULL, NULL),
    N("n_number_invalid-utf-8-in-bigger-int", "[123\xe5]", NULL, NULL),
    N("n_number_invalid-utf-8-in-exponent", "[1e1\xe5]", NULL, NULL),
    N("n_number_invalid-utf-8-in-int", "[0\xe5]", NULL, NULL),
    N("n_number_minus_infinity", "[-Infinity]", NULL, NULL),
    N("n_number_minus_sign_with_trailing_garbage", "[-foo]", NULL, NULL),
    N("n_number_minus_space_1", "[- 1]", NULL, NULL),
    N("n_number_neg_int_starting_with_zero", "[-012]", NULL, "leading zeros"),
    N("n_number_neg_real_without_int_part", "[-.123]", NULL, NULL),
    N("n_number_neg_with_garbage_at_end", "[-1x]", NULL, NULL),
    N("n_number_real_garbage_after_e", "[1ea]", NULL, NULL),
    N("n_number_real_with_invalid_utf8_after_e", "[1e\xe5]", NULL, NULL),
    N("n_number_real_without_fractional_part", "[1.]", NULL, NULL),
    N("n_number_starting_with_dot", "[.123]", NULL, NULL),
    N("n_number_with_alpha", "[1.2a-3]", NULL, NULL),
    N("n_number_with_alpha_char", "[1.8011670033376514H-308]", NULL, NULL),
    N("n_number_with_leading_zero", "[012]", NULL, "leading zeros"),
    N("n_number_huge_exp (out of double range)", "[1e400]", "1:2", "out of the double range"),
    N("n_number_neg_huge_exp", "[-1.5e99999999999999999999]", NULL, "out of the double range"),
    N("n_number_huge_int", "[100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000]", NULL, "out of the double range"),
    N("n_object_bad_value", "[\"x\", truth]", NULL, NULL),
    N("n_object_bracket_key", "{[: \"x\"}", "1:2", "expected a string key"),
    N("n_object_comma_instead_of_colon", "{\"x\", null}", "1:5", "expected ':'"),
    N("n_object_double_colon", "{\"x\"::\"b\"}", NULL, NULL),
    N("n_object_emoji", "{\xf0\x9f\x87\xa8\xf0\x9f\x87\xad}", NULL, NULL),
    N("n_object_garbage_at_end", "{\"a\":\"a\" 123}", NULL, "expected ',' or '}'"),
    N("n_object_key_with_single_quotes", "{key: 'value'}", NULL, NULL),
    N("n_object_lone_continuation_byte_in_key_and_trailing_comma", "{\"\xb9\":\"0\",}", "1:3", "invalid UTF-8"),
    N("n_object_missing_colon", "{\"a\" b}", NULL, NULL),
    N("n_object_missing_key", "{:\"b\"}", NULL, NULL),
    N("n_object_missing_semicolon", "{\"a\" \"b\"}", NULL, NULL),
    N("n_object_missing_value", "{\"a\":", NULL, "end of input"),
    N("n_object_no-colon", "{\"a\"", NULL, NULL),
    N("n_object_non_string_key", "{1:1}", NULL, NULL),
    N("n_object_non_string_key_but_huge_number_instead", "{9999E9999:1}", NULL, NULL),
    N("n_object_repeated_null_null", "{null:null,null:null}", NULL, NULL),
    N("n_object_several_trailing_commas", "{\"id\":0,,,,,}", NULL, NULL),
    N("n_object_single_quote", "{'a':0}", NULL, NULL),
    N("n_object_trailing_comma", "{\"id\":0,}", "1:9", "trailing comma"),
    N("n_object_trailing_comment", "{\"a\":\"b\"}/**/", NULL, NULL),
    N("n_object_trailing_comment_open", "{\"a\":\"b\"}/**//", NULL, NULL),
    N("n_object_trailing_comment_slash_open", "{\"a\":\"b\"}//", NULL, NULL),
    N("n_object_trailing_comment_slash_open_incomplete", "{\"a\":\"b\"}/", NULL, NULL),
    N("n_object_two_commas_in_a_row", "{\"a\":\"b\",,\"c\":\"d\"}", NULL, NULL),
    N("n_object_unquoted_key", "{a: \"b\"}", NULL, NULL),
    N("n_object_unterminated-value", "{\"a\":\"a", "1:6", "unterminated string"),
    N("n_object_with_single_string", "{ \"foo\" : \"bar\", \"a\" }", NULL, NULL),
    N("n_object_with_trailing_garbage", "{\"a\":\"b\"}#", NULL, NULL),
    N("n_single_space", " ", "1:2", "empty input"),
    N("n_string_1_surrogate_then_escape", "[\"\\uD800\\\"]", NULL, "lone surrogate"),
    N("n_string_1_surrogate_then_escape_u", "[\"\\uD800\\u\"]", NULL, "lone surrogate"),
    N("n_string_1_surrogate_then_escape_u1", "[\"\\uD800\\u1\"]", NULL, "lone surrogate"),
    N("n_string_1_surrogate_then_escape_u1x", "[\"\\uD800\\u1x\"]", NULL, "lone surrogate"),
    N("n_string_accentuated_char_no_quotes", "[\xc3\xa9]", NULL, NULL),
    N("n_string_backslash_00", "[\"\\\0\"]", NULL, "invalid escape"),
    N("n_string_escape_x", "[\"\\x00\"]", "1:3", "invalid escape"),
    N("n_string_escaped_backslash_bad", "[\"\\\\\\\"]", NULL, NULL),
    N("n_string_escaped_ctrl_char_tab", "[\"\\\t\"]", NULL, "invalid escape"),
    N("n_string_escaped_emoji", "[\"\\\xf0\x9f\x8c\x80\"]", NULL, "invalid escape"),
    N("n_string_incomplete_escape", "[\"\\\"]", NULL, NULL),
    N("n_string_incomplete_escaped_character", "[\"\\u00A\"]", NULL, "4 hex digits"),
    N("n_string_incomplete_surrogate", "[\"\\uD834\\uDd\"]", NULL, NULL),
    N("n_string_incomplete_surrogate_escape_invalid", "[\"\\uD800\\uD800\\x\"]", NULL, NULL),
    N("n_string_invalid-utf-8-in-escape", "[\"\\u\xe5\"]", NULL, NULL),
    N("n_string_invalid_backslash_esc", "[\"\\a\"]", NULL, "invalid escape"),
    N("n_string_invalid_unicode_escape", "[\"\\uqqqq\"]", NULL, NULL),
    N("n_string_invalid_utf8_after_escape", "[\"\\\xe5\"]", NULL, NULL),
    N("n_string_leading_uescaped_thinspace", "[\\u0020\"asd\"]", NULL, NULL),
    N("n_string_no_quotes_with_bad_escape", "[\\n]", NULL, NULL),
    N("n_string_single_doublequote", "\"", "1:1", "unterminated string"),
    N("n_string_single_quote", "['single quote']", NULL, NULL),
    N("n_string_single_string_no_double_quotes", "abc", NULL, NULL),
    N("n_string_start_escape_unclosed", "[\"\\", NULL, "unterminated string"),
    N("n_string_unescaped_ctrl_char", "[\"a\0a\"]", "1:4", "control character U+0000"),
    N("n_string_unescaped_newline", "[\"new\nline\"]", "1:6", "control character U+000A"),
    N("n_string_unescaped_tab", "[\"\t\"]", NULL, "control character U+0009"),
    N("n_string_unicode_CapitalU", "\"\\UA66D\"", NULL, NULL),
    N("n_string_with_trailing_garbage", "\"\"x", "1:3", "after the JSON value"),
    N("n_structure_angle_bracket_.", "<.>", NULL, NULL),
    N("n_structure_angle_bracket_null", "[<null>]", NULL, NULL),
    N("n_structure_array_trailing_garbage", "[1]x", NULL, NULL),
    N("n_structure_array_with_extra_array_close", "[1]]", NULL, NULL),
    N("n_structure_array_with_unclosed_string", "[\"asd]", NULL, NULL),
    N("n_structure_ascii-unicode-identifier", "a\xc3\xa5", NULL, NULL),
    N("n_structure_capitalized_True", "[True]", NULL, NULL),
    N("n_structure_close_unopened_array", "1]", NULL, NULL),
    N("n_structure_comma_instead_of_closing_brace", "{\"x\": true,", NULL, NULL),
    N("n_structure_double_array", "[][]", NULL, NULL),
    N("n_structure_end_array", "]", NULL, NULL),
    N("n_structure_incomplete_UTF8_BOM", "\xef\xbb{}", NULL, NULL),
    N("n_structure_lone-invalid-utf-8", "\xe5", NULL, NULL),
    N("n_structure_lone-open-bracket", "[", NULL, NULL),
    N("n_structure_no_data", "", "1:1", "empty input"),
    N("n_structure_null-byte-outside-string", "[\0]", NULL, NULL),
    N("n_structure_number_with_trailing_garbage", "2@", NULL, NULL),
    N("n_structure_object_followed_by_closing_object", "{}}", NULL, NULL),
    N("n_structure_object_unclosed_no_value", "{\"\":", NULL, NULL),
    N("n_structure_object_with_comment", "{\"a\":/*comment*/\"b\"}", NULL, NULL),
    N("n_structure_object_with_trailing_garbage", "{\"a\": true} \"x\"", NULL, NULL),
    N("n_structure_open_array_apostrophe", "['", NULL, NULL),
    N("n_structure_open_array_comma", "[,", NULL, NULL),
    N("n_structure_open_array_open_object", "[{", NULL, NULL),
    N("n_structure_open_array_open_string", "[\"a", NULL, NULL),
    N("n_structure_open_array_string", "[\"a\"", NULL, NULL),
    N("n_structure_open_object", "{", NULL, NULL),
    N("n_structure_open_object_close_array", "{]", NULL, NULL),
    N("n_structure_open_object_comma", "{,", NULL, NULL),
    N("n_structure_open_object_open_array", "{[", NULL, NULL),
    N("n_structure_open_object_open_string", "{\"a", NULL, NULL),
    N("n_structure_open_object_string_with_apostrophes", "{'a'", NULL, NULL),
    N("n_structure_open_open", "[\"\\{[\"\\{[\"\\{[\"\\{", NULL, NULL),
    N("n_structure_single_eacute", "\xe9", NULL, NULL),
    N("n_structure_single_star", "*", NULL, NULL),
    N("n_structure_trailing_#", "{\"a\":\"b\"}#{}", NULL, NULL),
    N("n_structure_U+2060_word_joined", "[\xe2\x81\xa0]", NULL, NULL),
    N("n_structure_uescaped_LF_before_string", "[\\u000A\"\"]", NULL, NULL),
    N("n_structure_unclosed_array", "[1", NULL, NULL),
    N("n_structure_unclosed_array_partial_null", "[ false, nul", NULL, NULL),
    N("n_structure_unclosed_array_unfinished_false", "[ true, fals", NULL, NULL),
    N("n_structure_unclosed_array_unfinished_true", "[ false, tru", NULL, NULL),
    N("n_structure_unclosed_object", "{\"asd\":\"asd\"", NULL, NULL),
    N("n_structure_unicode-identifier", "\xc3\xa5", NULL, NULL),
    N("n_structure_UTF8_BOM_no_data", "\xef\xbb\xbf", "1:1", "byte order mark"),
    N("n_structure_UTF8_BOM_object (i_ in JSONTestSuite: we reject)", "\xef\xbb\xbf{}", "1:1", "byte order mark"),
    N("n_structure_whitespace_formfeed", "[\f]", NULL, NULL),
    N("n_structure_whitespace_U+2060_word_joiner", "[\xe2\x81\xa0]", NULL, NULL),
    N("n_structure_nbsp_whitespace", "[\xc2\xa0" "1]", NULL, NULL),
    /* UTF-8 validation (i_string_* cases of JSONTestSuite: all rejected here) */
    N("i_string_overlong_2byte", "[\"\xc0\xaf\"]", "1:3", "invalid UTF-8"),
    N("i_string_overlong_2byte_c1", "[\"\xc1\xbf\"]", NULL, "invalid UTF-8"),
    N("i_string_overlong_3byte", "[\"\xe0\x80\xaf\"]", NULL, "invalid UTF-8"),
    N("i_string_overlong_3byte_max", "[\"\xe0\x9f\xbf\"]", NULL, "invalid UTF-8"),
    N("i_string_overlong_4byte", "[\"\xf0\x80\x80\xaf\"]", NULL, "invalid UTF-8"),
    N("i_string_overlong_4byte_max", "[\"\xf0\x8f\xbf\xbf\"]", NULL, "invalid UTF-8"),
    N("i_string_UTF-8_encoded_surrogate_D800", "[\"\xed\xa0\x80\"]", NULL, "invalid UTF-8"),
    N("i_string_UTF-8_encoded_surrogate_DFFF", "[\"\xed\xbf\xbf\"]", NULL, "invalid UTF-8"),
    N("i_string_beyond_10FFFF", "[\"\xf4\x90\x80\x80\"]", NULL, "invalid UTF-8"),
    N("i_string_F5", "[\"\xf5\x80\x80\x80\"]", NULL, "invalid UTF-8"),
    N("i_string_FF", "[\"\xff\"]", NULL, "invalid UTF-8"),
    N("i_string_lone_continuation", "[\"\x80\"]", NULL, "invalid UTF-8"),
    N("i_string_truncated_2byte", "[\"\xc3\"]", NULL, "invalid UTF-8"),
    N("i_string_truncated_3byte", "[\"\xe2\x82\"]", NULL, "invalid UTF-8"),
    N("i_string_truncated_4byte", "[\"\xf0\x9f\x98\"]", NULL, "invalid UTF-8"),
    N("i_string_truncated_at_end", "\"\xf0\x9f\x98", NULL, "invalid UTF-8"),
    N("i_string_missing_continuation", "[\"\xe2" "a\"]", NULL, "invalid UTF-8"),
    N("i_string_1st_surrogate_but_2nd_missing", "[\"\\uDADA\"]", NULL, "lone surrogate \\uDADA"),
    N("i_string_1st_valid_surrogate_2nd_invalid", "[\"\\uD888\\u1234\"]", NULL, "lone surrogate"),
    N("i_string_incomplete_surrogate_and_escape_valid", "[\"\\uD800\\n\"]", NULL, "lone surrogate"),
    N("i_string_incomplete_surrogate_pair", "[\"\\uDd1ea\"]", NULL, "lone surrogate"),
    N("i_string_incomplete_surrogates_escape_valid", "[\"\\uD800\\uD800\\n\"]", NULL, "lone surrogate"),
    N("i_string_inverted_surrogates_U+1D11E", "[\"\\uDd1e\\uD834\"]", NULL, "low surrogate"),
    N("i_string_lone_second_surrogate", "[\"\\uDFAA\"]", NULL, "lone surrogate"),
    N("i_object_key_lone_2nd_surrogate", "{\"\\uDFAA\":0}", "1:3", "lone surrogate"),
};

static int parse_ok(const char *text, size_t len, lora_json **out) {
    return lora_json_parse(text, len, "t", out) == LORA_OK;
}

/* compact JSON text of a parsed value */
static char *dump(const lora_json *v) {
    lora__buf b = {0, 0, 0, 0};
    lora__json_write_value(&b, v);
    return b.data;
}

static void test_tables(void) {
    size_t i;
    int bad = 0;
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        lora_json *j = NULL;
        lora_status s = lora_json_parse(yes[i].text, yes[i].len, yes[i].name, &j);
        CHECK_MSG(s == LORA_OK && j, "%s should parse: %s", yes[i].name, lora_last_error());
        lora_json_free(j);
    }
    for (i = 0; i < sizeof no / sizeof no[0]; i++) {
        lora_json *j = NULL;
        char want[64];
        lora_status s = lora_json_parse(no[i].text, no[i].len, "src.json", &j);
        const char *msg = lora_last_error();
        CHECK_MSG(s == LORA_ERR_FORMAT && !j, "%s should fail with LORA_ERR_FORMAT", no[i].name);
        if (s == LORA_OK) { lora_json_free(j); continue; }
        CHECK_MSG(!strncmp(msg, "src.json:", 9), "%s: message '%s' should start with the source", no[i].name, msg);
        if (no[i].where) {
            snprintf(want, sizeof want, "src.json:%s: ", no[i].where);
            CHECK_MSG(!strncmp(msg, want, strlen(want)), "%s: message '%s' should start with '%s'", no[i].name, msg, want);
        }
        if (no[i].reason) CHECK_MSG(strstr(msg, no[i].reason) != NULL, "%s: message '%s' lacks '%s'", no[i].name, msg, no[i].reason);
        if (s != LORA_ERR_FORMAT) bad++;
    }
    CHECK(bad == 0);
    /* every prefix of a valid document is invalid (except where the prefix is itself a value) */
    {
        static const char doc[] = "{\"a\":[1,-2.5e+3,true,false,null,\"x\\u00e9\\ud83d\\ude00y\"],\"b\":{}}";
        size_t n = sizeof doc - 1, k, failed = 0;
        for (k = 0; k < n; k++) {
            lora_json *j = NULL;
            if (lora_json_parse(doc, k, "p", &j) == LORA_OK) { lora_json_free(j); continue; }
            failed++;
        }
        CHECK(failed == n);
    }
}

static void test_values(void) {
    lora_json *j = NULL;
    const lora_json *a, *v;
    double d;
    int b;
    int64_t iv;
    static const char text[] = "{\"a\":[1,-2.5e+3,true,false,null,\"x\\u00e9\\ud83d\\ude00y\\u0000z\"],"
                               "\"b\":{\"c\":\"d\"},\"n\":12,\"t\":true,\"s\":\"str\",\"dup\":1,\"dup\":2,"
                               "\"\\u0000k\":3,\"\":4}";
    CHECK_OK(lora_json_parse(text, sizeof text - 1, "v", &j));
    if (!j) return;
    CHECK(j->type == LORA_JSON_OBJECT && j->n == 9);
    CHECK(!strcmp(j->keys[0], "a") && j->key_lens[0] == 1);
    a = lora_json_get(j, "a");
    CHECK(a && a->type == LORA_JSON_ARRAY && a->n == 6);
    if (a && a->n == 6) {
        CHECK(a->items[0].type == LORA_JSON_NUMBER && a->items[0].number == 1.0);
        CHECK(a->items[1].type == LORA_JSON_NUMBER && a->items[1].number == -2500.0);
        CHECK(a->items[1].len == 7 && !strcmp(a->items[1].str, "-2.5e+3"));
        CHECK(a->items[2].type == LORA_JSON_TRUE && a->items[3].type == LORA_JSON_FALSE && a->items[4].type == LORA_JSON_NULL);
        CHECK(a->items[5].type == LORA_JSON_STRING && a->items[5].len == 10);
        CHECK(!memcmp(a->items[5].str, "x\xc3\xa9\xf0\x9f\x98\x80y\0z", 11));
        CHECK(a->items[0].keys == NULL);
    }
    CHECK(lora_json_get_number(j, "n", &d) && d == 12.0);
    CHECK(!lora_json_get_number(j, "s", &d));
    CHECK(!lora_json_get_number(j, "missing", &d));
    CHECK(lora_json_get_bool(j, "t", &b) && b == 1);
    CHECK(!lora_json_get_bool(j, "n", &b));
    CHECK(lora_json_get_string(j, "s") && !strcmp(lora_json_get_string(j, "s"), "str"));
    CHECK(lora_json_get_string(j, "n") == NULL);
    CHECK(lora_json_get_number(j, "dup", &d) && d == 2.0);   /* last duplicate wins */
    CHECK(lora_json_get_number(j, "", &d) && d == 4.0);
    CHECK(lora_json_get(j, "k") == NULL);                    /* "\0k" is not "k" */
    v = lora_json_get(j, "b");
    CHECK(v && lora_json_get_string(v, "c") && !strcmp(lora_json_get_string(v, "c"), "d"));
    CHECK(lora_json_get(a, "x") == NULL && lora_json_get(NULL, "x") == NULL);
    CHECK(lora_json_int64(lora_json_get(j, "n"), &iv) && iv == 12);
    CHECK(!lora_json_int64(a ? &a->items[1] : NULL, &iv));
    lora_json_free(j);
    lora_json_free(NULL);
    /* scalars at the root */
    CHECK(parse_ok("  \"r\\u00e9s\"  ", 14, &j) && j->type == LORA_JSON_STRING && j->len == 4 && !strcmp(j->str, "r\xc3\xa9s"));
    lora_json_free(j);
    CHECK(parse_ok("-0", 2, &j) && j->type == LORA_JSON_NUMBER && j->number == 0 && signbit(j->number));
    lora_json_free(j);
    CHECK(parse_ok("[]", 2, &j) && j->type == LORA_JSON_ARRAY && j->n == 0);
    lora_json_free(j);
    /* text need not be NUL-terminated: only [0, len) is read */
    CHECK(parse_ok("[1]]]]", 3, &j) && j->n == 1);
    lora_json_free(j);
    CHECK(parse_ok("12345", 2, &j) && j->number == 12);
    lora_json_free(j);
    CHECK_ERR(lora_json_parse("1", 1, "x", NULL), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_json_parse(NULL, 1, "x", &j), LORA_ERR_INVALID_ARG);
    CHECK_ERR(lora_json_parse(NULL, 0, NULL, &j), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "empty input") != NULL);
    CHECK(!strcmp(lora_json_type_name(LORA_JSON_OBJECT), "object") && !strcmp(lora_json_type_name(LORA_JSON_TRUE), "boolean"));
}

static void test_int64(void) {
    static const struct { const char *text; int ok; int64_t v; } t[] = {
        {"0", 1, 0}, {"-0", 1, 0}, {"7", 1, 7}, {"-7", 1, -7},
        {"9007199254740993", 1, (int64_t)9007199254740993LL},
        {"9223372036854775807", 1, INT64_MAX}, {"9223372036854775808", 0, 0},
        {"-9223372036854775808", 1, INT64_MIN}, {"-9223372036854775809", 0, 0},
        {"99999999999999999999999", 0, 0}, {"1.0", 0, 0}, {"1e3", 0, 0}, {"1E3", 0, 0}, {"\"1\"", 0, 0},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        lora_json *j = NULL;
        int64_t v = -1;
        CHECK_OK(lora_json_parse(t[i].text, strlen(t[i].text), "i", &j));
        if (!j) continue;
        CHECK_MSG(lora_json_int64(j, &v) == t[i].ok && (!t[i].ok || v == t[i].v), "int64 of %s", t[i].text);
        lora_json_free(j);
    }
}

static void test_depth(void) {
    char *buf = (char *)malloc(200010);
    lora_json *j = NULL;
    int k;
    size_t n;
    /* 512 levels are fine, 513 are not */
    for (k = 0; k < 512; k++) buf[k] = '[';
    for (k = 0; k < 512; k++) buf[512 + k] = ']';
    CHECK_OK(lora_json_parse(buf, 1024, "deep", &j));
    lora_json_free(j);
    for (k = 0; k < 513; k++) buf[k] = '[';
    for (k = 0; k < 513; k++) buf[513 + k] = ']';
    CHECK_ERR(lora_json_parse(buf, 1026, "deep", &j), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "deep:1:513: nesting deeper than 512") != NULL);
    /* objects count too */
    n = 0;
    for (k = 0; k < 512; k++) { memcpy(buf + n, "{\"a\":", 5); n += 5; }
    buf[n++] = '1';
    for (k = 0; k < 512; k++) buf[n++] = '}';
    CHECK_OK(lora_json_parse(buf, n, "deep", &j));
    lora_json_free(j);
    n = 0;
    for (k = 0; k < 256; k++) { memcpy(buf + n, "{\"a\":[", 6); n += 6; }
    buf[n++] = '[';
    CHECK_ERR(lora_json_parse(buf, n, "deep", &j), LORA_ERR_FORMAT);
    CHECK(strstr(lora_last_error(), "nesting deeper") != NULL);
    /* a huge run of brackets fails fast without recursion */
    memset(buf, '[', 200000);
    CHECK_ERR(lora_json_parse(buf, 200000, "deep", &j), LORA_ERR_FORMAT);
    free(buf);
}

static void test_positions(void) {
    static const struct { const char *text; const char *msg; } t[] = {
        {"{\n  \"a\": 1,\n  \"b\": tru\n}", "p:3:8: invalid literal"},
        {"[1,\r\n 2,\r\n x]", "p:3:2: expected a value, found 'x'"},
        {"[\"\xc3\xa9\xc3\xa9\", ?]", "p:1:8: expected a value, found '?'"},
        {"{\"\xf0\x9f\x98\x80\" 1}", "p:1:6: expected ':' after object key, found '1'"},
        {"\n\n\n   01", "p:4:4: invalid number: leading zeros are not allowed"},
        {"[\"abc\\q\"]", "p:1:6: invalid escape '\\' followed by 'q'"},
        {"[\"a\"\n,\"b\\ud800x\"]", "p:2:4: lone surrogate \\uD800"},
        {"[1,2", "p:1:5: expected ',' or ']' after array element, found end of input"},
        {"{\"a\":1 \"b\"", "p:1:8: expected ',' or '}' after object member, found '\"'"},
        {"[1] [2]", "p:1:5: unexpected '[' after the JSON value"},
        {"[1e400]", "p:1:2: number 1e400 is out of the double range"},
    };
    size_t i;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        lora_json *j = NULL;
        CHECK_ERR(lora_json_parse(t[i].text, strlen(t[i].text), "p", &j), LORA_ERR_FORMAT);
        CHECK_MSG(!strncmp(lora_last_error(), t[i].msg, strlen(t[i].msg)), "got '%s', want '%s'", lora_last_error(), t[i].msg);
    }
}

static int same_bits(double a, double b) { return !memcmp(&a, &b, sizeof a); }

static void test_numbers(void) {
    static const char *t[] = {
        "0.1", "0.2", "0.3", "1e23", "8.988465674311579e307", "2.2250738585072011e-308", "2.2250738585072014e-308",
        "4.9e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1.7976931348623157e308",
        "1.7976931348623158e308", "9007199254740993", "9007199254740995", "123456789012345678901234567890",
        "0.000001", "1e-7", "3.141592653589793238462643383279", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203126", "7.2057594037927933e16", "1e22", "1e-22",
        "123456789012345.6789", "0.0000000000000000000000000000000000000001e40", "18446744073709551615",
        "18446744073709551616", "100000000000000000000000", "-0.0", "1E0", "5e-1", "0.9999999999999999999999999",
        "43.2e-1", "2e-323", ("1" "00000000000000000000e-20"),
    };
    size_t i;
    lora_rng rng;
    int k, mism = 0;
    char buf[64];
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        lora_json *j = NULL;
        CHECK_OK(lora_json_parse(t[i], strlen(t[i]), "n", &j));
        if (!j) continue;
        CHECK_MSG(same_bits(j->number, strtod(t[i], NULL)), "%s -> %.17g, strtod %.17g", t[i], j->number, strtod(t[i], NULL));
        lora_json_free(j);
    }
    /* random decimal strings vs strtod (glibc's is correctly rounded) */
    lora_rng_seed(&rng, 42);
    for (k = 0; k < 20000; k++) {
        lora_json *j = NULL;
        int nd = 1 + (int)(lora_rng_u32(&rng) % 25), p = 0, q, e = (int)(lora_rng_u32(&rng) % 80) - 40;
        int dot = (int)(lora_rng_u32(&rng) % (unsigned)(nd + 1));
        if (lora_rng_u32(&rng) & 1) buf[p++] = '-';
        buf[p++] = (char)('1' + lora_rng_u32(&rng) % 9);
        for (q = 1; q < nd; q++) {
            if (q == dot) buf[p++] = '.';
            buf[p++] = (char)('0' + lora_rng_u32(&rng) % 10);
        }
        if (lora_rng_u32(&rng) % 3) p += snprintf(buf + p, sizeof buf - (size_t)p, "e%d", e);
        buf[p] = 0;
        if (lora_json_parse(buf, (size_t)p, "n", &j) != LORA_OK) { mism++; continue; }
        if (!same_bits(j->number, strtod(buf, NULL))) mism++;
        lora_json_free(j);
    }
    CHECK_MSG(mism == 0, "%d random numbers differ from strtod", mism);
    /* %.17g of random doubles reads back exactly */
    mism = 0;
    for (k = 0; k < 20000; k++) {
        lora_json *j = NULL;
        uint64_t u = (uint64_t)lora_rng_u32(&rng) << 32 | lora_rng_u32(&rng);
        double d;
        memcpy(&d, &u, 8);
        if (d != d || d - d != 0) continue;
        snprintf(buf, sizeof buf, "%.17g", d);
        if (lora_json_parse(buf, strlen(buf), "n", &j) != LORA_OK) { mism++; continue; }
        if (!same_bits(j->number, d)) mism++;
        lora_json_free(j);
    }
    CHECK_MSG(mism == 0, "%d %%.17g numbers do not read back", mism);
}

static void test_writer(void) {
    static const struct { double x; const char *want; } nums[] = {   /* Python's json.dumps / repr */
        {1e-05, "1e-05"}, {16.0, "16"}, {0.1, "0.1"}, {1e16, "1e+16"}, {1.5e300, "1.5e+300"},
        {123.456, "123.456"}, {1e15 + 0.5, "1000000000000000.5"}, {-2.5e-7, "-2.5e-07"}, {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"}, {0.0001, "0.0001"}, {123456789.125, "123456789.125"},
        {9007199254740992.0, "9007199254740992"}, {12345678901234567890.0, "1.2345678901234567e+19"},
        {1.0 / 3, "0.3333333333333333"}, {-1e-100, "-1e-100"}, {2.5, "2.5"}, {1e22, "1e+22"}, {100.5, "100.5"},
        {0.00012345, "0.00012345"}, {0.0003 * 1.0000000000000002, "0.00030000000000000003"}, {0.0, "0"}, {-0.0, "-0"},
        {-3.0, "-3"}, {1e15, "1000000000000000"}, {2e-4, "0.0002"}, {0.5, "0.5"}, {-1.25e-5, "-1.25e-05"},
    };
    lora__buf b = {0, 0, 0, 0};
    size_t i;
    lora_rng rng;
    int k, mism = 0;
    char *s;
    for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        b.len = 0;
        lora__json_write_number(&b, nums[i].x);
        CHECK_MSG(b.data && !strcmp(b.data, nums[i].want), "number %.17g -> '%s', want '%s'", nums[i].x, b.data ? b.data : "", nums[i].want);
    }
    b.len = 0;
    lora__json_write_number(&b, HUGE_VAL);
    lora__json_write_number(&b, -HUGE_VAL);
    lora__json_write_number(&b, HUGE_VAL - HUGE_VAL);
    CHECK(!strcmp(b.data, "nullnullnull"));
    b.len = 0;
    lora__json_write_int(&b, INT64_MIN);
    lora__buf_puts(&b, " ");
    lora__json_write_int(&b, 0);
    lora__buf_puts(&b, " ");
    lora__json_write_int(&b, 1234567890123LL);
    CHECK(!strcmp(b.data, "-9223372036854775808 0 1234567890123"));
    /* strings: exactly Python's json.dumps(s, ensure_ascii=False) */
    b.len = 0;
    {
        static const char raw[] = "a\"b\\c\n\r\t\b\f\0\x01\x1f\x7f \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8 /";
        lora__json_write_stringn(&b, raw, sizeof raw - 1);
    }
    CHECK_MSG(!strcmp(b.data, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0000\\u0001\\u001f\x7f \xc3\xa9 \xf0\x9f\x98\x80 \xe2\x80\xa8 /\""), "got %s", b.data);
    b.len = 0;
    lora__json_write_string(&b, "");
    CHECK(!strcmp(b.data, "\"\""));
    /* numbers round trip bit-exactly through the writer and the parser */
    lora_rng_seed(&rng, 7);
    for (k = 0; k < 20000; k++) {
        lora_json *j = NULL;
        uint64_t u = (uint64_t)lora_rng_u32(&rng) << 32 | lora_rng_u32(&rng);
        double d;
        if (k % 4 == 1) u &= 0xFFFFFFFFFF000000ull;            /* short mantissas */
        memcpy(&d, &u, 8);
        if (k % 4 == 2) d = (double)(int64_t)(u >> (k % 50)) * (k & 8 ? 1 : -1);   /* integers */
        if (k % 4 == 3) d = (double)(lora_rng_u32(&rng) % 100000) / 1000.0;      /* short decimals */
        if (d != d || d - d != 0) continue;
        b.len = 0;
        lora__json_write_number(&b, d);
        if (lora_json_parse(b.data, b.len, "w", &j) != LORA_OK || !same_bits(j->number, d)) {
            if (mism++ < 5) fprintf(stderr, "round trip of %.17g via '%s' failed\n", d, b.data);
        }
        lora_json_free(j);
    }
    CHECK_MSG(mism == 0, "%d numbers do not round trip", mism);
    /* random byte strings (valid UTF-8 with controls) round trip */
    mism = 0;
    for (k = 0; k < 3000; k++) {
        char str[64];
        int n = (int)(lora_rng_u32(&rng) % 40), p = 0;
        lora_json *j = NULL;
        while (p < n) {
            uint32_t r = lora_rng_u32(&rng), cp;
            switch (r % 4) {
            case 0: cp = r >> 8 & 0x7F; break;
            case 1: cp = r >> 8 & 0x1F; break;
            case 2: cp = 0x80 + (r >> 8) % 0xD780; break;
            default: cp = 0x10000 + (r >> 8) % 0x100000; break;
            }
            p += (int)lora__utf8_encode(str + p, cp);
        }
        b.len = 0;
        lora__json_write_stringn(&b, str, (size_t)p);
        if (lora_json_parse(b.data, b.len, "w", &j) != LORA_OK || j->len != (size_t)p || memcmp(j->str, str, (size_t)p)) mism++;
        lora_json_free(j);
    }
    CHECK_MSG(mism == 0, "%d strings do not round trip", mism);
    lora__buf_free(&b);
    /* whole documents: parse -> write -> parse -> write is stable, and compact */
    {
        static const char doc[] = " { \"a\" : [ 1 , -2.50e+3 , true , false , null , \"x\\u00e9\\ud83d\\ude00\\n\" ] ,\n"
                                  "\"b\" : { } , \"c\" : [ ] , \"\\u0000\" : 12345678901234567890123 } ";
        lora_json *j1 = NULL, *j2 = NULL;
        char *t1 = NULL, *t2 = NULL;
        CHECK_OK(lora_json_parse(doc, sizeof doc - 1, "d", &j1));
        if (j1) t1 = dump(j1);
        CHECK(t1 && !strcmp(t1, "{\"a\":[1,-2.50e+3,true,false,null,\"x\xc3\xa9\xf0\x9f\x98\x80\\n\"],\"b\":{},\"c\":[],\"\\u0000\":12345678901234567890123}"));
        if (t1) CHECK_OK(lora_json_parse(t1, strlen(t1), "d", &j2));
        if (j2) t2 = dump(j2);
        CHECK(t1 && t2 && !strcmp(t1, t2));
        free(t1); free(t2);
        lora_json_free(j1); lora_json_free(j2);
    }
    s = NULL;
    (void)s;
}

static void test_speed(void) {
    const char *path = "../shared/data/gpt2-tokenizer/encoder.json";
    char *text = NULL;
    size_t len = 0;
    lora_json *j = NULL;
    clock_t t0;
    double best = 1e9;
    int k;
    FILE *f = fopen(path, "rb");
    if (!f) path = "/work/shared/data/gpt2-tokenizer/encoder.json";
    else fclose(f);
    if (lora__read_file(path, &text, &len) != LORA_OK) { printf("encoder.json not found, speed test skipped\n"); return; }
    for (k = 0; k < 3; k++) {
        double ms;
        t0 = clock();
        CHECK_OK(lora_json_parse(text, len, path, &j));
        ms = (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC;
        if (ms < best) best = ms;
        if (j && k == 0) {
            const lora_json *v = lora_json_get(j, "\xc4\xa0the");   /* "Ġthe" */
            CHECK(j->type == LORA_JSON_OBJECT && j->n == 50257);
            CHECK(v && v->number == 262);
            CHECK(lora_json_get(j, "<|endoftext|>") && lora_json_get(j, "<|endoftext|>")->number == 50256);
        }
        lora_json_free(j);
        j = NULL;
    }
    printf("encoder.json: %zu bytes parsed in %.1f ms (best of 3)\n", len, best);
    LORA_FREE(text);
}

/* every allocation failure gives LORA_ERR_OOM and leaks nothing (ASan checks leaks) */
static void test_oom(void) {
    static const char doc[] = "{\"a\":[1,2,{\"b\":\"c\"},[[]],\"x\"],\"d\":{\"e\":[1.5e300,123456789012345678901234567890]},"
                              "\"f\":\"\\u00e9\",\"g\":[[1],[2],[3],[4],[5],[6],[7],[8],[9],[10]]}";
    long k;
    int oom = 0, other = 0;
    for (k = 0; k < 1000; k++) {
        lora_json *j = NULL;
        lora_status s;
        fail_after = k;
        s = lora_json_parse(doc, sizeof doc - 1, "oom", &j);
        fail_after = -1;
        if (s == LORA_OK) { lora_json_free(j); break; }
        if (s == LORA_ERR_OOM && j == NULL && strstr(lora_last_error(), "out of memory")) oom++; else other++;
    }
    CHECK(k < 1000 && oom == k && other == 0);
}

/* numbers read and write the same under a locale whose decimal point is ',' (skipped when
   no such locale is installed; LOCPATH can point at one made with localedef) */
static void test_locale(void) {
    static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", NULL};
    static const char doc[] = "[1.5, 2.25e3, 0.1, 3.14159265358979323846264338327950288, 1.7976931348623157e308, 123456789012345678901234.5]";
    lora__buf b = {0, 0, 0, 0};
    lora_json *j = NULL;
    int k;
    for (k = 0; names[k]; k++) if (setlocale(LC_NUMERIC, names[k])) break;
    if (!names[k]) { printf("no comma-decimal locale installed: locale test skipped\n"); return; }
    CHECK_OK(lora_json_parse(doc, sizeof doc - 1, "loc", &j));
    if (j) {
        CHECK(j->items[0].number == 1.5 && j->items[1].number == 2250.0 && j->items[2].number == 0.1);
        CHECK(j->items[3].number == 3.141592653589793 && j->items[4].number == 1.7976931348623157e308);
        CHECK(j->items[5].number == 1.2345678901234568e23);
    }
    lora__json_write_number(&b, 1.5);
    lora__buf_puts(&b, " ");
    lora__json_write_number(&b, 3.141592653589793);
    lora__buf_puts(&b, " ");
    lora__json_write_number(&b, 2.5e-7);
    CHECK_MSG(b.data && !strcmp(b.data, "1.5 3.141592653589793 2.5e-07"), "under %s: %s", names[k], b.data ? b.data : "");
    lora__buf_free(&b);
    lora_json_free(j);
    setlocale(LC_NUMERIC, "C");
}

int main(void) {
    test_oom();
    test_locale();
    test_tables();
    test_values();
    test_int64();
    test_depth();
    test_positions();
    test_numbers();
    test_writer();
    test_speed();
    return TEST_END();
}
