/*
 * result.c -- the RESULT convention.  Every program ends by calling pass()
 * or fail(); the last line it prints is "RESULT: PASS" or
 * "RESULT: FAIL <reason>", then the flavor's guest_exit() reports the
 * outcome to whoever runs the guest (exit status or shutdown reason).
 */
#include <kit.h>

void pass(void)
{
    puts_raw("RESULT: PASS\n");
    guest_exit(1);
}

void fail(const char *fmt, ...)
{
    char buf[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* The reason stays on one line whatever it contains. */
    for (char *p = buf; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    printf("RESULT: FAIL %s\n", buf);
    guest_exit(0);
}
