package org.oxen.sched.api.util;

/**
 * A node of a {@link LinkedQueue}, embedded in the item it carries (one per queue the item can
 * be on). An item is on at most one queue per link.
 */
public final class Link<T> {

    final T item;
    Link<T> prev;
    Link<T> next;
    LinkedQueue<T> queue;

    public Link(T item) {
        this.item = item;
    }

    public T item() {
        return item;
    }

    /** Whether the link is on a queue (Xen's {@code !list_empty(&elem)}). */
    public boolean isQueued() {
        return queue != null;
    }

    /** The queue it is on, or {@code null}. */
    public LinkedQueue<T> queue() {
        return queue;
    }

    /** The next link on its queue, or {@code null} at the tail. */
    public Link<T> next() {
        return next;
    }

    public Link<T> prev() {
        return prev;
    }

    /** Leave its queue if on one. */
    public void unlink() {
        if (queue != null) {
            queue.remove(this);
        }
    }
}
