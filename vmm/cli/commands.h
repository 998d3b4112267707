/*
 * commands.h - the sub-commands of `trapeze`, one file each.  Each takes its
 * own argv (argv[0] = the command's name) and returns the exit status.
 */
#ifndef VMM_CLI_COMMANDS_H
#define VMM_CLI_COMMANDS_H

int cmd_run(int argc, char **argv);   /* run.c */
int cmd_compare(int argc, char **argv); /* compare.c */
int cmd_audit(int argc, char **argv); /* audit.c */
int cmd_dot(int argc, char **argv);   /* dot.c */
int cmd_debug(int argc, char **argv); /* debug.c */

#endif /* VMM_CLI_COMMANDS_H */
