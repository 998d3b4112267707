/*
 * fuzz_asm.c - libFuzzer harness for the assembler.
 *
 * Any byte string is a possible source file.  The assembler must either
 * produce an image that passes the image checks and survives an encode /
 * parse round trip, or report at least one error - never crash, hang, leak
 * or trip a sanitizer.  .include is disabled so the input cannot reach the
 * host's files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "asm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    asm_options opt = { .diag = sink, .listing = sink, .map = sink, .no_include = true };
    t32_image img;
    asm_result res;
    bool ok = asm_assemble_string("fuzz.s", (const char *)data, size, &opt, &img, &res);
    if (ok != (res.errors == 0))
        abort();                        /* success must mean no errors, and back */
    if (ok) {
        uint8_t *bytes;
        size_t len;
        char err[256];
        t32_image again;
        if (!t32_image_encode(&img, &bytes, &len, err, sizeof err) ||
            !t32_image_parse(bytes, len, &again, err, sizeof err))
            abort();                    /* the assembler wrote an image nobody can read */
        free(bytes);
        t32_image_free(&again);
    }
    t32_image_free(&img);
    return 0;
}
