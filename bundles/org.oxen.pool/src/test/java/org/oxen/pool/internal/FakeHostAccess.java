package org.oxen.pool.internal;

/** {@link FakeHost}s for tests and benchmarks in other packages. */
public final class FakeHostAccess {

    private FakeHostAccess() {
    }

    /** A fake host running {@code n} domains named {@code <host>-d<i>}. */
    public static LocalHost withDomains(String host, int n) {
        FakeHost h = new FakeHost(host, 16L * n + 1024);
        for (int i = 0; i < n; i++) {
            h.domains.put(host + "-d" + i, false);
        }
        return h;
    }
}
