/*
 * acpipower -- ACPI power-off and reset as an OS does them from the
 * firmware's tables (native flavor: the bare machine or an HVM domain):
 *
 *   1. finds the RSDP in the BIOS area (0xE0000-0xFFFFF, checksummed), the
 *      RSDT and in it the FADT (checksummed): PM1a_CNT_BLK, the reset
 *      register (a GAS in I/O space, RESET_REG_SUP in the flags) and its
 *      value, and the DSDT;
 *   2. finds \_S5 in the DSDT's AML (NameOp "_S5_" PackageOp, as Linux's
 *      ACPICA evaluates it for acpi_enter_sleep_state(ACPI_STATE_S5)) and
 *      takes SLP_TYPa from its first element;
 *   3. action=poweroff writes SLP_TYPa | SLP_EN into PM1a_CNT (Linux's
 *      acpi_hw_legacy_sleep: SLP_TYP first, then with SLP_EN); action=reset
 *      writes the reset value to the reset register (acpi_reboot).
 *
 * Either must end the machine: if it still runs 10^7 pause loops later it
 * fails. It prints what it found first: "acpipower: PM1a_CNT 0x..., reset
 * register io 0x... value 0x..., \_S5 SLP_TYPa N".
 */
#include <kit.h>
#include <oxen/native.h>
#include <oxen/x86.h>

static uint8_t sum(const uint8_t *p, uint32_t n)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static const uint8_t *find_rsdp(void)
{
    for (uint32_t a = 0xe0000; a < 0x100000; a += 16) {
        const uint8_t *p = (const uint8_t *)a;
        if (memcmp(p, "RSD PTR ", 8) == 0 && sum(p, 20) == 0)
            return p;
    }
    return NULL;
}

/* The table the RSDT names with this signature, checksummed, or NULL. */
static const uint8_t *find_table(const uint8_t *rsdt, const char *sig)
{
    uint32_t n = (rd32(rsdt + 4) - 36) / 4;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *t = (const uint8_t *)rd32(rsdt + 36 + 4 * i);
        if (memcmp(t, sig, 4) == 0) {
            CHECK(sum(t, rd32(t + 4)) == 0, "%s checksum", sig);
            return t;
        }
    }
    return NULL;
}

/* An AML integer at p (ZeroOp, OneOp, BytePrefix, WordPrefix): its value, or -1. */
static int aml_small_int(const uint8_t *p)
{
    switch (p[0]) {
    case 0x00: return 0;
    case 0x01: return 1;
    case 0x0a: return p[1];
    case 0x0b: return p[1] | p[2] << 8;
    default: return -1;
    }
}

/* SLP_TYPa of \_S5 in the DSDT, or -1 without one. */
static int s5_slp_typ(const uint8_t *dsdt)
{
    uint32_t len = rd32(dsdt + 4);
    for (uint32_t i = 36; i + 8 < len; i++) {
        const uint8_t *p = dsdt + i;
        if (memcmp(p, "_S5_", 4) != 0)
            continue;
        /* NameOp before (with or without the root prefix \), PackageOp after */
        if (!(p[-1] == 0x08 || (p[-1] == '\\' && p[-2] == 0x08)) || p[4] != 0x12)
            continue;
        const uint8_t *q = p + 5;
        q += 1 + (q[0] >> 6);       /* PkgLength: 1 + the count of following bytes in bits 6-7 */
        CHECK(q[0] >= 1, "\\_S5 has no elements");
        return aml_small_int(q + 1);
    }
    return -1;
}

void guest_main(void)
{
    char action[16] = "poweroff";
    cmdline_get("action", action, sizeof action);
    const uint8_t *rsdp = find_rsdp();
    CHECK(rsdp != NULL, "no RSDP between 0xE0000 and 0xFFFFF");
    const uint8_t *rsdt = (const uint8_t *)rd32(rsdp + 16);
    CHECK(memcmp(rsdt, "RSDT", 4) == 0 && sum(rsdt, rd32(rsdt + 4)) == 0, "RSDT at %p", rsdt);
    const uint8_t *fadt = find_table(rsdt, "FACP");
    CHECK(fadt != NULL, "no FADT in the RSDT");
    uint32_t pm1a_cnt = rd32(fadt + 64), flags = rd32(fadt + 112);
    const uint8_t *dsdt = (const uint8_t *)rd32(fadt + 40);
    CHECK(memcmp(dsdt, "DSDT", 4) == 0 && sum(dsdt, rd32(dsdt + 4)) == 0, "DSDT at %p", dsdt);
    int slp_typ = s5_slp_typ(dsdt);
    uint8_t reset_space = fadt[116];
    uint32_t reset_port = rd32(fadt + 120);
    uint8_t reset_value = fadt[128];
    printf("acpipower: PM1a_CNT 0x%x, reset register %s 0x%x value 0x%x%s, \\_S5 SLP_TYPa %d\n", pm1a_cnt,
           reset_space == 1 ? "io" : "not io", reset_port, reset_value, flags & (1u << 10) ? "" : " (not supported)",
           slp_typ);
    if (strcmp(action, "poweroff") == 0) {
        CHECK(slp_typ >= 0 && slp_typ < 8, "no \\_S5 package in the DSDT");
        CHECK(pm1a_cnt != 0 && pm1a_cnt < 0x10000, "PM1a_CNT_BLK 0x%x", pm1a_cnt);
        printf("acpipower: entering S5\n");
        outw((uint16_t)pm1a_cnt, (uint16_t)(slp_typ << 10));
        outw((uint16_t)pm1a_cnt, (uint16_t)(slp_typ << 10 | 1u << 13));
    } else if (strcmp(action, "reset") == 0) {
        CHECK(flags & (1u << 10), "the FADT has no reset register (RESET_REG_SUP)");
        CHECK(reset_space == 1 && reset_port < 0x10000, "reset register space %u address 0x%x", reset_space, reset_port);
        printf("acpipower: resetting\n");
        outb((uint16_t)reset_port, reset_value);
    } else {
        fail("action=%s: poweroff or reset", action);
    }
    for (uint32_t i = 0; i < 10000000u; i++)
        __asm__ volatile("pause");
    fail("still running after %s", action);
}
