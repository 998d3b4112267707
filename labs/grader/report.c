/*
 * report.c - what the grader prints: xv6-style lines for people,
 * results.json for Gradescope, a last-line JSON for Autolab.
 *
 * Times are the only thing that differs between two gradings of the same
 * submission, and they always sit in a field of their own: the " (0.3s)"
 * at the end of an OK line, "execution_time" on the last line of
 * results.json.  Everything else is a function of the submission.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"

/* Parts in order of first appearance; returns how many (at most max). */
static int parts(const struct test *t, int n, const char **names, int max)
{
    int np = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int p = 0; p < np; p++)
            seen |= !strcmp(names[p], t[i].part);
        if (!seen && np < max)
            names[np++] = t[i].part;
    }
    return np;
}

static int part_score(const struct graded *g, const struct test *t, int n, const char *part,
                      int *max)
{
    int got = 0;
    *max = 0;
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].part, part)) {
            *max += t[i].points;
            got += g->res[i].ok ? t[i].points : 0;
        }
    return got;
}

/* The score of a graded submission; *max gets the full marks. */
int report_score(const struct graded *g, const struct test *t, int n, int *max)
{
    int got = 0;
    *max = 0;
    for (int i = 0; i < n; i++) {
        *max += t[i].points;
        got += g->res[i].ok ? t[i].points : 0;
    }
    return got;
}

/* The first n bytes of s (up to a NUL) as a terminal shows them
 * harmlessly: a control character as cat -v writes it (^M, ^[), tabs
 * aside.  A reason is often a line of a guest's console, which can print
 * any byte: a carriage return or an escape sequence in it could make a
 * FAIL line look like an OK line, or reset the instructor's terminal. */
static void put_text(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            fprintf(f, "^%c", c ^ 0x40);
        else
            fputc(c, f);
    }
}

/* The last lines (at most k) of s, each indented. */
static void last_lines(FILE *f, const char *s, int k)
{
    const char *end = s + strlen(s);
    while (end > s && end[-1] == '\n')
        end--;
    const char *p = end;
    for (int lines = 0; p > s; p--)
        if (p[-1] == '\n' && ++lines == k)
            break;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        fputs("    ", f);
        put_text(f, p, len);
        fputc('\n', f);
        p += len + 1;
    }
}

#define MAX_PARTS 64

/* The report: the build, a line per test, the parts, then "LABEL: N/M". */
static void text(FILE *f, const struct graded *g, const struct test *t, int n, int verbose,
                 int times, const char *label)
{
    if (g->build.ok && times)
        fprintf(f, "build: OK (%.1fs)\n", g->build.secs);
    else if (g->build.ok)
        fprintf(f, "build: OK\n");
    else {
        fputs("build: FAIL (", f);
        put_text(f, g->build.reason, sizeof g->build.reason);
        fputs(")\n", f);
        last_lines(f, g->build.output ? g->build.output : "", 12);
    }
    if (g->build.note[0]) {
        fputs("    ", f);
        put_text(f, g->build.note, sizeof g->build.note);
        fputc('\n', f);
    }
    for (int i = 0; i < n; i++) {
        const struct result *r = &g->res[i];
        if (r->ok && times)
            fprintf(f, "%s: OK (%.1fs)\n", t[i].name, r->secs);
        else if (r->ok)
            fprintf(f, "%s: OK\n", t[i].name);
        else {
            fprintf(f, "%s: FAIL (", t[i].name);
            put_text(f, r->reason, sizeof r->reason);
            fputs(")\n", f);
        }
        if (!r->ok && verbose && r->output && g->build.ok)
            last_lines(f, r->output, 1000);
    }
    const char *names[MAX_PARTS];
    int np = parts(t, n, names, MAX_PARTS), max;
    for (int p = 0; p < np; p++) {
        int got = part_score(g, t, n, names[p], &max);
        fprintf(f, "Part %s: %d/%d\n", names[p], got, max);
    }
    int got = report_score(g, t, n, &max);
    fprintf(f, "%s: %d/%d\n", label, got, max);
}

void report_text(FILE *f, const struct graded *g, const struct test *t, int n, int verbose,
                 int times)
{
    text(f, g, t, n, verbose, times, "Score");
}

/* The report a student may see at any time (results.json's top-level
 * output): only the tests whose visibility is "visible" - the others'
 * names, reasons and points, and so the total, wait for their release. */
static char *visible_report(const struct graded *g, const struct test *t, int n)
{
    struct test *vt = calloc((size_t)n + 1, sizeof *vt);
    struct result *vr = calloc((size_t)n + 1, sizeof *vr);
    char *out = NULL;
    size_t len = 0;
    FILE *m = vt && vr ? open_memstream(&out, &len) : NULL;
    if (m) {
        int nv = 0;
        for (int i = 0; i < n; i++)
            if (!strcmp(t[i].visibility, "visible")) {
                vt[nv] = t[i];
                vr[nv++] = g->res[i];
            }
        struct graded vg = *g;
        vg.res = vr;
        text(m, &vg, vt, nv, 0, 0, nv < n ? "Score of the visible tests" : "Score");
        fclose(m);
    }
    free(vt);
    free(vr);
    return out;
}

/* Length of the well-formed UTF-8 sequence at s, or 0.  Well-formed as
 * RFC 3629 has it: no overlong form (C0, C1, E0 80..9F, F0 80..8F), no
 * UTF-16 surrogate (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..).
 * A JSON reader that decodes UTF-8 strictly rejects the whole file for
 * one such sequence, and a guest's console can print any bytes. */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0xc2 || s[0] > 0xf4)
        return 0;
    int n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
    unsigned char lo = s[0] == 0xe0 ? 0xa0 : s[0] == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = s[0] == 0xed ? 0x9f : s[0] == 0xf4 ? 0x8f : 0xbf;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* s as a JSON string; bytes that are not well-formed UTF-8 become '?'. */
void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else if (*p < 0x80)
            fputc(*p, f);
        else {
            int len = utf8_len(p);
            if (len == 0)
                fputc('?', f);
            else {
                fwrite(p, 1, (size_t)len, f);
                p += len - 1;
            }
        }
    }
    fputc('"', f);
}

/* fclose(f) for a file just written: 0, or -1 with errno if any write
 * failed (a full disk) - also one before the last, which stdio only
 * marks with ferror, dropping what it could not write. */
static int close_written(FILE *f)
{
    errno = 0;
    int ok = fflush(f) == 0 && !ferror(f);
    int err = errno ? errno : EIO;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        err = errno;
    }
    errno = err;
    return ok ? 0 : -1;
}

/* Gradescope's results.json: one key per line at the top, the tests one per
 * line, execution_time alone on the last line. */
int report_gradescope(const char *file, const struct graded *g, const struct test *t, int n,
                      double secs)
{
    FILE *f = fopen(file, "w");
    if (!f)
        return -1;
    int max, got = report_score(g, t, n, &max);
    char *summary = visible_report(g, t, n);
    fprintf(f, "{\n\"score\": %d,\n\"output\": ", got);
    json_string(f, summary ? summary : "");
    free(summary);
    fputs(",\n\"tests\": [\n", f);
    for (int i = 0; i < n; i++) {
        const struct result *r = &g->res[i];
        fprintf(f, "  {\"name\": ");
        json_string(f, t[i].name);
        fprintf(f, ", \"number\": \"%d\", \"score\": %d, \"max_score\": %d, \"visibility\": ",
                i + 1, r->ok ? t[i].points : 0, t[i].points);
        json_string(f, t[i].visibility);
        fputs(", \"tags\": [", f);
        json_string(f, t[i].part);
        fputs("], \"status\": ", f);
        json_string(f, r->ok ? "passed" : "failed");
        fputs(", \"output\": ", f);
        char head[600];
        textf(head, sizeof head, "%s: %s\n", r->ok ? "OK" : "FAIL", r->reason);
        char *all = malloc(strlen(head) + (r->output ? strlen(r->output) : 0) + 1);
        if (all) {
            strcpy(all, head);
            if (r->output && g->build.ok)
                strcat(all, r->output);
            json_string(f, all);
            free(all);
        } else
            json_string(f, head);
        fprintf(f, "}%s\n", i + 1 < n ? "," : "");
    }
    fprintf(f, "],\n\"execution_time\": %.0f\n}\n", secs);
    return close_written(f);
}

/* Autolab reads the last line of the autograder's output: the score of
 * each part (an Autolab "problem" per part). */
void report_autolab(FILE *f, const struct graded *g, const struct test *t, int n)
{
    const char *names[MAX_PARTS];
    int np = parts(t, n, names, MAX_PARTS), max;
    fputs("{\"scores\": {", f);
    for (int p = 0; p < np; p++) {
        if (p)
            fputs(", ", f);
        json_string(f, names[p]);
        fprintf(f, ": %d", part_score(g, t, n, names[p], &max));
    }
    fputs("}}\n", f);
}
