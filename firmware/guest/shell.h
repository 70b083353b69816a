/* The console shell: commands from the kernel command line first, then from the UART. */
#ifndef GUEST_SHELL_H
#define GUEST_SHELL_H

/* Runs the ';'-separated commands of `bootargs` (the word "tour" stands for the scripted
 * tour), then reads commands from the console until `poweroff`. Never returns. */
void shell_run(const char *bootargs) __attribute__((noreturn));

#endif
