/*
 * cmdline.c -- "key=value" lookup in guest_cmdline().
 * Words are separated by spaces; a word without '=' is a flag whose value
 * is the empty string.  Numbers are decimal or 0x-prefixed hexadecimal,
 * optionally with a k/m/g suffix (powers of 1000, for workload sizes).
 */
#include <kit.h>

int cmdline_get(const char *key, char *buf, size_t n)
{
    const char *p = guest_cmdline();
    size_t klen = strlen(key);

    while (*p) {
        while (*p == ' ')
            p++;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t wlen = (size_t)(p - w);
        if (wlen >= klen && strncmp(w, key, klen) == 0 &&
            (wlen == klen || w[klen] == '=')) {
            const char *v = wlen == klen ? w + klen : w + klen + 1;
            size_t vlen = (size_t)(p - v);
            if (n) {
                size_t k = vlen < n - 1 ? vlen : n - 1;
                memcpy(buf, v, k);
                buf[k] = '\0';
            }
            return 1;
        }
    }
    return 0;
}

unsigned long long strtoull_kit(const char *s, const char **end)
{
    unsigned long long v = 0;
    unsigned base = 10;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    for (;; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            break;
        v = v * base + d;
    }
    if (*s == 'k' || *s == 'K')
        v *= 1000ull, s++;
    else if (*s == 'm' || *s == 'M')
        v *= 1000000ull, s++;
    else if (*s == 'g' || *s == 'G')
        v *= 1000000000ull, s++;
    if (end)
        *end = s;
    return v;
}

uint32_t cmdline_u32(const char *key, uint32_t def)
{
    char buf[32];
    const char *end;

    if (!cmdline_get(key, buf, sizeof buf) || !buf[0])
        return def;
    unsigned long long v = strtoull_kit(buf, &end);
    if (*end || v > 0xffffffffull)
        fail("command line: bad number %s=%s", key, buf);
    return (uint32_t)v;
}
