/*
 * fuzz_debug.c - libFuzzer harness for the debugger's command parser.
 *
 * Debugger commands are untrusted input: any line must end as a command
 * done or one line of error - never a crash, a hang, a leak or a sanitizer
 * report.  Each input is split into lines and fed to a fresh debugger over
 * a small guest (a counting loop and a call, with symbols and a line
 * table), run bare and under the VMM in turn (--max-insns bounds every
 * continue).  A failed command must leave the guest as it was: its state
 * line (`info state`) is compared before and after every line that failed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h"
#include "vmm/debug/debug.h"
#include "vmm/session/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char image_path[64];

/* The guest: li r1,0; loop: addi r1,r1,1; cmpi r1,50; blt loop; jal f; halt; f: ret */
static void make_image(void)
{
    static const uint32_t code[] = {
        T32_ENC_I(T32_OP_ADDI, 1, 0, 0), T32_ENC_I(T32_OP_ADDI, 1, 1, 1),
        T32_ENC_I(T32_OP_CMPI, 0, 1, 50), T32_ENC_J(T32_OP_BLT, -2),
        T32_ENC_J(T32_OP_JAL, 2), T32_ENC_I(T32_OP_HALT, 0, 0, 0),
        T32_ENC_I(T32_OP_JALR, 0, T32_REG_LR, 0),
    };
    t32_image img;
    char err[256];
    t32_image_init(&img);
    t32_image_add_segment(&img, 0x1000, sizeof code, T32_SEG_R | T32_SEG_X, code, sizeof code);
    img.entry = 0x1000;
    t32_image_add_symbol(&img, "_start", 0x1000, T32_SYM_GLOBAL);
    t32_image_add_symbol(&img, "loop", 0x1004, 0);
    t32_image_add_symbol(&img, "f", 0x1018, 0);
    int file = t32_image_add_file(&img, "fuzz.s");
    for (uint32_t i = 0; i < 7; i++)
        t32_image_add_line(&img, 0x1000 + 4 * i, (uint32_t)file, i + 1);
    snprintf(image_path, sizeof image_path, "/tmp/fuzz_debug_%d.img", (int)getpid());
    if (!t32_image_write(&img, image_path, err, sizeof err))
        abort();
    t32_image_free(&img);
}

static void state_line(debugger *d, FILE *out, char *buf, size_t len)
{
    rewind(out);
    debug_exec(d, "info state");
    fflush(out);
    rewind(out);
    if (!fgets(buf, (int)len, out))
        buf[0] = '\0';
    rewind(out);
}

static void run_lines(const char *mode, const uint8_t *data, size_t size)
{
    char *argv[] = { "debug", "--mode", (char *)mode, "--mem", "64K", "--max-insns", "5000",
                     "--input", "/dev/null", image_path, NULL };
    session_options o;
    session *s = NULL;
    if (session_parse(&o, 10, argv, "debug", NULL, NULL) || session_open(&s, &o)) {
        session_close(s, 1);
        abort();
    }
    FILE *out = tmpfile();
    debugger *d = debug_new(s, out, 1u << 20);
    debug_set_limit(d, o.max_insns);
    debug_set_origin(d, "fuzz", 1);
    char line[512], before[256], after[256];
    size_t i = 0;
    for (int n = 0; n < 24 && i < size && !debug_done(d); n++) {
        size_t k = 0;
        while (i < size && data[i] != '\n' && k + 1 < sizeof line)
            line[k++] = (char)data[i++];
        line[k] = '\0';
        i++;
        state_line(d, out, before, sizeof before);
        if (debug_exec(d, line) != 0) {
            state_line(d, out, after, sizeof after);
            if (strcmp(before, after) != 0)
                abort();            /* a failed command changed the guest */
        }
    }
    debug_free(d);
    fclose(out);
    session_close(s, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!image_path[0])
        make_image();
    run_lines("bare", data, size);
    run_lines("trap", data, size);
    return 0;
}
