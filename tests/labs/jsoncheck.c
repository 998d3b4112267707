/*
 * jsoncheck FILE [KEY|INDEX|# ...] [?] - a strict JSON (RFC 8259, in UTF-8)
 * checker for the tests of the grader's output formats.  Exit status 0 when FILE holds
 * exactly one valid JSON value; with a path, print the value it reaches:
 * an object member by KEY, an array element by INDEX (from 0), '#' for an
 * array's length.  Strings print without their quotes, others as written.
 * A last '?' prints the value's type instead (object, array, string,
 * number, boolean, null): the value alone does not tell a string "80"
 * from a number 80.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *p;               /* the parser's position */
static int depth;

static void ws(void)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
}

static int value(void);

/* Skip the UTF-8 sequence at p whose lead byte c was just read; 0 if it is
 * not well-formed (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF) - JSON text is UTF-8 (RFC 8259, section 8.1). */
static int utf8_rest(unsigned char c)
{
    const unsigned char *s = (const unsigned char *)p;
    int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;     /* continuation bytes */
    if (c < 0xc2 || c > 0xf4)
        return 0;
    unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    if (s[0] < lo || s[0] > hi)
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    p += n;
    return 1;
}

static int string(void)
{
    if (*p++ != '"')
        return 0;
    while (*p != '"') {
        unsigned char c = (unsigned char)*p++;
        if (c < 0x20 || (c >= 0x80 && !utf8_rest(c)))
            return 0;
        if (c == '\\') {
            c = (unsigned char)*p++;
            if (c == 'u') {
                for (int i = 0; i < 4; i++, p++)
                    if (!strchr("0123456789abcdefABCDEF", *p) || !*p)
                        return 0;
            } else if (!c || !strchr("\"\\/bfnrt", c))
                return 0;
        }
    }
    p++;
    return 1;
}

static int number(void)
{
    const char *s = p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (*p < '0' || *p > '9')
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return p > s;
}

static int members(char close, int keyed)
{
    p++;
    ws();
    if (*p == close) {
        p++;
        return 1;
    }
    for (;;) {
        ws();
        if (keyed) {
            if (!string())
                return 0;
            ws();
            if (*p++ != ':')
                return 0;
        }
        if (!value())
            return 0;
        ws();
        if (*p == close) {
            p++;
            return 1;
        }
        if (*p++ != ',')
            return 0;
    }
}

static int value(void)
{
    ws();
    if (++depth > 200)
        return 0;
    int ok;
    if (*p == '{')
        ok = members('}', 1);
    else if (*p == '[')
        ok = members(']', 0);
    else if (*p == '"')
        ok = string();
    else if (!strncmp(p, "true", 4) || !strncmp(p, "null", 4))
        ok = (p += 4, 1);
    else if (!strncmp(p, "false", 5))
        ok = (p += 5, 1);
    else
        ok = number();
    depth--;
    return ok;
}

/* Follow one path step from the value at p (already valid). */
static int step(const char *key)
{
    ws();
    if (!strcmp(key, "#") && *p == '[') {
        int n = 0;
        p++;
        ws();
        while (*p != ']') {
            value();
            n++;
            ws();
            if (*p == ',')
                p++;
            ws();
        }
        static char buf[32];
        snprintf(buf, sizeof buf, "%d", n);
        p = buf;
        return 1;
    }
    if (*p == '[') {
        long want = atol(key);
        p++;
        for (long i = 0;; i++) {
            ws();
            if (*p == ']')
                return 0;
            if (i == want)
                return 1;
            value();
            ws();
            if (*p == ',')
                p++;
        }
    }
    if (*p != '{')
        return 0;
    p++;
    for (;;) {
        ws();
        if (*p == '}')
            return 0;
        const char *k = p + 1;
        string();
        int hit = (size_t)(p - k - 1) == strlen(key) && !strncmp(k, key, strlen(key));
        ws();
        p++;                        /* ':' */
        ws();
        if (hit)
            return 1;
        value();
        ws();
        if (*p == ',')
            p++;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: jsoncheck FILE [KEY|INDEX|# ...] [?]\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    static char text[1 << 22];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    fclose(f);
    text[n] = '\0';
    p = text;
    if (strlen(text) != n || !value() || (ws(), *p)) {
        fprintf(stderr, "%s:%ld: error: not valid JSON here\n", argv[1], (long)(p - text));
        return 1;
    }
    p = text;
    for (int i = 2; i < argc; i++) {
        if (i == argc - 1 && !strcmp(argv[i], "?")) {
            ws();
            puts(*p == '{' ? "object" : *p == '[' ? "array" : *p == '"' ? "string" :
                 *p == 't' || *p == 'f' ? "boolean" : *p == 'n' ? "null" : "number");
            return 0;
        }
        if (!step(argv[i])) {
            fprintf(stderr, "%s: error: no '%s' on the path\n", argv[1], argv[i]);
            return 1;
        }
    }
    if (argc > 2) {
        ws();
        const char *s = p;
        if (*s == '"') {
            string();
            printf("%.*s\n", (int)(p - s - 2), s + 1);
        } else {
            value();
            printf("%.*s\n", (int)(p - s), s);
        }
    }
    return 0;
}
