/*
 * config.h - Trapeze's build switches, all in one place.
 *
 * T32_SWITCH_DISPATCH   define to make the interpreter dispatch with a plain
 *                       C switch instead of GCC/clang computed goto ("labels
 *                       as values").  Both run the same instruction bodies;
 *                       the switch is slower but is portable ISO C.
 *
 * SAN=1 (make variable) builds with AddressSanitizer and UBSan (make check
 * does this).  CC=clang builds with clang.
 */
#ifndef T32_CONFIG_H
#define T32_CONFIG_H
#endif
