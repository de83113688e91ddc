/* lift_int.h — what lift.c and lift_fn.c share; not for other modules. */
#ifndef LS_LIFT_INT_H
#define LS_LIFT_INT_H
#include "lift/lift.h"

/* Node kinds and fields beyond pyparse.h's pyk, resolved once. */
struct lift_kinds {
	TSSymbol true_, false_, none, integer, float_, list, dictionary, tuple, set,
		unary_operator, parenthesized_expression, pattern_list, tuple_pattern,
		list_pattern, expression_list, async_, ellipsis, conditional_expression,
		list_comprehension, dictionary_comprehension, set_comprehension,
		generator_expression, class_definition;
	TSFieldId f_name, f_parameters, f_return_type, f_body, f_condition, f_consequence,
		f_alternative, f_function, f_arguments, f_object, f_attribute, f_value, f_left,
		f_right, f_argument, f_type, f_definition;
};
extern struct lift_kinds lk;

#define LIFT_MAX_DEPTH 400

struct lift_ctx {
	TSParser *parser;
	TSTreeCursor cursors[LIFT_MAX_DEPTH + 2];	/* one per depth of the walk, reused */
	int ncursors;
};

#endif
