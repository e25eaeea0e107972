package org.oxen.sched.api.util;

import java.util.function.ToLongFunction;

/**
 * An intrusive doubly-linked list of {@link Link}s. Not thread-safe: schedulers use it under
 * their instance lock.
 */
public final class LinkedQueue<T> {

    private Link<T> head;
    private Link<T> tail;
    private int size;

    public boolean isEmpty() {
        return head == null;
    }

    public int size() {
        return size;
    }

    /** The head link, or {@code null}. */
    public Link<T> first() {
        return head;
    }

    public Link<T> last() {
        return tail;
    }

    /** The head item, or {@code null}. */
    public T peek() {
        return head == null ? null : head.item;
    }

    public void addLast(Link<T> l) {
        insertAfter(tail, l);
    }

    public void addFirst(Link<T> l) {
        insertAfter(null, l);
    }

    /** Insert {@code l} after {@code at} ({@code null}: at the head). */
    public void insertAfter(Link<T> at, Link<T> l) {
        if (l.queue != null) {
            throw new IllegalStateException(l.item + " is already queued");
        }
        if (at != null && at.queue != this) {
            throw new IllegalStateException(at.item + " is not on this queue");
        }
        Link<T> n = at == null ? head : at.next;
        l.prev = at;
        l.next = n;
        if (at == null) {
            head = l;
        } else {
            at.next = l;
        }
        if (n == null) {
            tail = l;
        } else {
            n.prev = l;
        }
        l.queue = this;
        size++;
    }

    /** Insert {@code l} before {@code at} ({@code null}: at the tail). */
    public void insertBefore(Link<T> at, Link<T> l) {
        insertAfter(at == null ? tail : at.prev, l);
    }

    /**
     * Insert keeping the queue sorted by ascending {@code key}, after every entry with an equal
     * key (FIFO among equals). The search runs from the tail, so the cost is the number of
     * entries with a greater key: O(1) for the common append (a later deadline, a new period).
     */
    public void insertSorted(Link<T> l, ToLongFunction<T> key) {
        long k = key.applyAsLong(l.item);
        Link<T> at = tail;
        while (at != null && key.applyAsLong(at.item) > k) {
            at = at.prev;
        }
        insertAfter(at, l);
    }

    public void remove(Link<T> l) {
        if (l.queue != this) {
            throw new IllegalStateException(l.item + " is not on this queue");
        }
        if (l.prev == null) {
            head = l.next;
        } else {
            l.prev.next = l.next;
        }
        if (l.next == null) {
            tail = l.prev;
        } else {
            l.next.prev = l.prev;
        }
        l.prev = null;
        l.next = null;
        l.queue = null;
        size--;
    }

    /** Remove and return the head item, or {@code null}. */
    public T poll() {
        Link<T> h = head;
        if (h == null) {
            return null;
        }
        remove(h);
        return h.item;
    }

    /** Move every link of {@code other} to the tail of this queue, keeping their order. */
    public void appendAll(LinkedQueue<T> other) {
        Link<T> l;
        while ((l = other.head) != null) {
            other.remove(l);
            addLast(l);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (Link<T> l = head; l != null; l = l.next) {
            sb.append(l == head ? "" : ", ").append(l.item);
        }
        return sb.append(']').toString();
    }
}
