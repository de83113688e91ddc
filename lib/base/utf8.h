/* utf8.h — strict UTF-8 (no overlongs, surrogates, or values past U+10FFFF):
 * the one decoder, validator and encoder of the project. */
#ifndef LS_UTF8_H
#define LS_UTF8_H
#include <stddef.h>
#include <stdint.h>

/* The well-formed sequence at s (n > 0 bytes): its length 1..4, with *cp set;
 * or -k when it is ill-formed after k bytes (k >= 1: the maximal subpart, as
 * the WHATWG decoder counts it), or 0 when the first byte cannot start one. */
int utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
/* Is s[0..n) well-formed UTF-8? */
int utf8_valid(const char *s, size_t n);
/* Encode cp (<= U+10FFFF) at o: the number of bytes written (1..4). */
size_t utf8_put(char *o, uint32_t cp);

#endif
