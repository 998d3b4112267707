/*
 * labtests.c - finding a lab's graded tests and reading their headers.
 *
 * A lab is a folder labs/NN-name/ of the instructor's tree.  Its graded tests
 * are the files tests/NAME.test (shipped in the handout) and hidden/NAME.test
 * (never shipped).  Each starts with a header of "# key: value" comment lines
 * (labs/README.md, "The test script protocol"):
 *
 *   # points: 5
 *   # visibility: visible | hidden | after_due_date | after_published
 *   # timeout: 30
 *   # part: Emulation
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"

/* Lab "2", "02" or "02-emulation" -> the folder labs/02-emulation/ (a
 * name after the number must be the folder's).  Returns 0, or -1 after
 * saying why on stderr. */
int lab_find(const char *tree, const char *lab, char *dir, size_t n)
{
    char want[16], labs[GRADE_PATH_MAX];
    char *end;
    long num = strtol(lab, &end, 10);
    if (lab[0] < '0' || lab[0] > '9' || end - lab > 2 || (*end && *end != '-')) {
        fprintf(stderr, "t32grade: error: lab '%s' is not a number from 00 to 99 (or "
                "NN-name)\n", lab);
        return -1;
    }
    textf(want, sizeof want, "%02ld-", num);
    PATHF(labs, "%s/labs", tree);
    DIR *d = opendir(labs);
    if (!d) {
        fprintf(stderr, "t32grade: error: %s: %s\n", labs, strerror(errno));
        return -1;
    }
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, want, 3) != 0 || (*end && strcmp(e->d_name + 2, end) != 0))
            continue;
        if (found++ == 0)
            textf(dir, n, "%s/%s", labs, e->d_name);
    }
    closedir(d);
    if (found != 1) {
        fprintf(stderr, "t32grade: error: %s: %s folder for lab %02ld (labs/%s*)\n", labs,
                found ? "more than one" : "no", num, want);
        return -1;
    }
    return 0;
}

/* Trim spaces at both ends, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int valid_visibility(const char *v)
{
    return !strcmp(v, "visible") || !strcmp(v, "hidden") || !strcmp(v, "after_due_date") ||
           !strcmp(v, "after_published");
}

/* Read one header line "# key: value" into t; 1 if it was one, -1 on error. */
static int header_line(struct test *t, char *line, int lineno)
{
    if (line[0] != '#')
        return 0;
    char *colon = strchr(line, ':');
    if (!colon)
        return 0;
    *colon = '\0';
    char *key = trim(line + 1), *val = trim(colon + 1);
    char *end;
    if (!strcmp(key, "points") || !strcmp(key, "timeout")) {
        long v = strtol(val, &end, 10);
        if (end == val || *end || v < 0 || v > 100000) {
            fprintf(stderr, "%s:%d:1: error: %s must be a whole number, not '%s'\n", t->path,
                    lineno, key, val);
            return -1;
        }
        if (!strcmp(key, "points"))
            t->points = (int)v;
        else
            t->timeout = v ? (int)v : 1;
    } else if (!strcmp(key, "visibility")) {
        if (!valid_visibility(val)) {
            fprintf(stderr, "%s:%d:1: error: visibility is visible, hidden, after_due_date or "
                    "after_published, not '%s'\n", t->path, lineno, val);
            return -1;
        }
        textf(t->visibility, sizeof t->visibility, "%s", val);
    } else if (!strcmp(key, "part")) {
        textf(t->part, sizeof t->part, "%s", val);
    } else {
        return 0;
    }
    return 1;
}

/* Read the header of t->path (its first 30 lines). */
static int read_header(struct test *t)
{
    FILE *f = fopen(t->path, "r");
    if (!f) {
        fprintf(stderr, "t32grade: error: %s: %s\n", t->path, strerror(errno));
        return -1;
    }
    t->points = -1;
    t->timeout = 30;
    textf(t->part, sizeof t->part, "Tests");
    textf(t->visibility, sizeof t->visibility, "%s", t->hidden ? "hidden" : "visible");
    char line[512];
    int rc = 0;
    for (int lineno = 1; lineno <= 30 && fgets(line, sizeof line, f); lineno++)
        if (header_line(t, line, lineno) < 0)
            rc = -1;
    fclose(f);
    if (rc == 0 && t->points < 0) {
        fprintf(stderr, "%s:1:1: error: no '# points: N' line in the header\n", t->path);
        rc = -1;
    }
    return rc;
}

static int by_name(const void *a, const void *b)
{
    const struct test *x = a, *y = b;
    if (x->hidden != y->hidden)
        return x->hidden - y->hidden;
    return strcmp(x->name, y->name);
}

/* Add the *.test files of labdir/sub to the array. */
static int scan(const char *labdir, const char *sub, int hidden, struct test **tests, int *n)
{
    char dir[GRADE_PATH_MAX];
    PATHF(dir, "%s/%s", labdir, sub);
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) && rc == 0) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".test") != 0)
            continue;
        if (len - 5 >= GRADE_NAME_MAX) {
            fprintf(stderr, "%s/%s: error: test name too long\n", dir, e->d_name);
            rc = -1;
            break;
        }
        struct test *grown = realloc(*tests, (size_t)(*n + 1) * sizeof **tests);
        if (!grown) {
            rc = -1;
            break;
        }
        *tests = grown;
        struct test *t = &grown[(*n)++];
        memset(t, 0, sizeof *t);
        memcpy(t->name, e->d_name, len - 5);
        PATHF(t->path, "%s/%s", dir, e->d_name);
        t->hidden = hidden;
        rc = read_header(t);
    }
    closedir(d);
    return rc;
}

/* Every graded test of the lab in labdir: tests/, and hidden/ if asked,
 * sorted (visible tests first, then by name).  A name in both is an error. */
int lab_tests(const char *labdir, int hidden, struct test **tests, int *ntests)
{
    *tests = NULL;
    *ntests = 0;
    if (scan(labdir, "tests", 0, tests, ntests) < 0 ||
        (hidden && scan(labdir, "hidden", 1, tests, ntests) < 0))
        return -1;
    qsort(*tests, (size_t)*ntests, sizeof **tests, by_name);
    for (int i = 1; i < *ntests; i++)
        if (!strcmp((*tests)[i].name, (*tests)[i - 1].name)) {
            fprintf(stderr, "%s: error: test '%s' is both in tests/ and hidden/\n", labdir,
                    (*tests)[i].name);
            return -1;
        }
    return 0;
}

/* Keep only the tests whose name matches one of the patterns (fnmatch
 * wildcards, or an exact name); a pattern that matches nothing is an error. */
int lab_filter(struct test *tests, int *ntests, char **pats, int npats)
{
    if (npats == 0)
        return 0;
    int kept = 0, rc = 0;
    for (int p = 0; p < npats; p++) {
        int hit = 0;
        for (int i = 0; i < *ntests; i++)
            hit |= fnmatch(pats[p], tests[i].name, 0) == 0;
        if (!hit) {
            fprintf(stderr, "t32grade: error: no test is called '%s'\n", pats[p]);
            rc = -1;
        }
    }
    for (int i = 0; i < *ntests; i++)
        for (int p = 0; p < npats; p++)
            if (fnmatch(pats[p], tests[i].name, 0) == 0) {
                tests[kept++] = tests[i];
                break;
            }
    *ntests = kept;
    return rc;
}
