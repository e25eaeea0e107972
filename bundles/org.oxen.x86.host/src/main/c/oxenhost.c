/*
 * liboxenhost: the JNI half of org.oxen.x86.host (HostLibrary's native methods).
 *
 * Host memory outside the Java heap for guest RAM (mmap MAP_NORESERVE, madvise MADV_DONTNEED,
 * munmap, mincore) and for generated x86-64 code (mmap RW, mprotect RX/RW, a call through a
 * function pointer). The Java side validates what it can name better (sizes, null addresses);
 * this side reports what the kernel refuses as a HostException carrying the call, its arguments
 * and errno's text. No state is kept here: every function is a thin wrapper over one system call.
 */
#include <jni.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void throw_host(JNIEnv *env, const char *call, int err)
{
    char msg[512];
    char errtext[128];
    /* GNU strerror_r returns the text (possibly a static string), not an int */
    const char *text = strerror_r(err, errtext, sizeof errtext);
    snprintf(msg, sizeof msg, "%s: %s (errno %d)", call, text, err);
    jclass cls = (*env)->FindClass(env, "org/oxen/x86/host/HostException");
    if (cls != NULL) {
        (*env)->ThrowNew(env, cls, msg);
    } /* else FindClass has already thrown NoClassDefFoundError */
}

static void *ptr(jlong address)
{
    return (void *) (uintptr_t) address;
}

JNIEXPORT jlong JNICALL
Java_org_oxen_x86_host_HostLibrary_mapAnonymous(JNIEnv *env, jclass cls, jlong bytes, jboolean noreserve)
{
    (void) cls;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0);
    void *p = mmap(NULL, (size_t) bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) {
        int err = errno;
        char call[160];
        snprintf(call, sizeof call, "mmap(NULL, %lld bytes, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS%s)",
                 (long long) bytes, noreserve ? "|MAP_NORESERVE" : "");
        throw_host(env, call, err);
        return 0;
    }
    return (jlong) (uintptr_t) p;
}

JNIEXPORT void JNICALL
Java_org_oxen_x86_host_HostLibrary_dontNeed(JNIEnv *env, jclass cls, jlong address, jlong bytes)
{
    (void) cls;
    if (madvise(ptr(address), (size_t) bytes, MADV_DONTNEED) != 0) {
        int err = errno;
        char call[160];
        snprintf(call, sizeof call, "madvise(0x%llx, %lld bytes, MADV_DONTNEED)",
                 (unsigned long long) address, (long long) bytes);
        throw_host(env, call, err);
    }
}

JNIEXPORT void JNICALL
Java_org_oxen_x86_host_HostLibrary_unmap(JNIEnv *env, jclass cls, jlong address, jlong bytes)
{
    (void) cls;
    if (munmap(ptr(address), (size_t) bytes) != 0) {
        int err = errno;
        char call[160];
        snprintf(call, sizeof call, "munmap(0x%llx, %lld bytes)", (unsigned long long) address, (long long) bytes);
        throw_host(env, call, err);
    }
}

JNIEXPORT jlong JNICALL
Java_org_oxen_x86_host_HostLibrary_resident(JNIEnv *env, jclass cls, jlong address, jlong bytes)
{
    (void) cls;
    long page = sysconf(_SC_PAGESIZE);
    size_t pages = ((size_t) bytes + (size_t) page - 1) / (size_t) page;
    unsigned char *vec = malloc(pages);
    if (vec == NULL) {
        throw_host(env, "malloc(mincore vector)", ENOMEM);
        return -1;
    }
    if (mincore(ptr(address), (size_t) bytes, vec) != 0) {
        int err = errno;
        free(vec);
        char call[160];
        snprintf(call, sizeof call, "mincore(0x%llx, %lld bytes)", (unsigned long long) address, (long long) bytes);
        throw_host(env, call, err);
        return -1;
    }
    size_t resident = 0;
    for (size_t i = 0; i < pages; i++) {
        resident += vec[i] & 1;
    }
    free(vec);
    return (jlong) (resident * (size_t) page);
}

JNIEXPORT void JNICALL
Java_org_oxen_x86_host_HostLibrary_protect(JNIEnv *env, jclass cls, jlong address, jlong bytes, jboolean executable)
{
    (void) cls;
    int prot = executable ? (PROT_READ | PROT_EXEC) : (PROT_READ | PROT_WRITE);
    if (mprotect(ptr(address), (size_t) bytes, prot) != 0) {
        int err = errno;
        char call[160];
        snprintf(call, sizeof call, "mprotect(0x%llx, %lld bytes, %s)", (unsigned long long) address,
                 (long long) bytes, executable ? "PROT_READ|PROT_EXEC" : "PROT_READ|PROT_WRITE");
        throw_host(env, call, err);
    }
}

JNIEXPORT jlong JNICALL
Java_org_oxen_x86_host_HostLibrary_call(JNIEnv *env, jclass cls, jlong code, jlong context)
{
    (void) env;
    (void) cls;
    int64_t (*fn)(void *) = (int64_t (*)(void *)) (uintptr_t) code;
    return (jlong) fn(ptr(context));
}

JNIEXPORT jint JNICALL
Java_org_oxen_x86_host_HostLibrary_pageSize(JNIEnv *env, jclass cls)
{
    (void) env;
    (void) cls;
    return (jint) sysconf(_SC_PAGESIZE);
}
