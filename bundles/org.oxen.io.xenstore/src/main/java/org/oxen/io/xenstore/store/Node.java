package org.oxen.io.xenstore.store;

import java.util.List;
import java.util.TreeMap;

/**
 * A xenstore node: its value, its permissions (the first entry names the owner and everybody
 * else's access) and its children by name. {@code generation} changes whenever the node's value,
 * permissions or set of children changes; transactions compare it to detect conflicts.
 * Not thread-safe: guarded by its {@link Store}.
 */
final class Node {

    String value;
    List<Perm> perms;
    final TreeMap<String, Node> children = new TreeMap<>();
    long generation;

    Node(String value, List<Perm> perms, long generation) {
        this.value = value;
        this.perms = perms;
        this.generation = generation;
    }

    int owner() {
        return perms.get(0).domid();
    }

    Node deepCopy() {
        Node n = new Node(value, perms, generation);
        children.forEach((k, v) -> n.children.put(k, v.deepCopy()));
        return n;
    }

    /** Nodes in this subtree (this one included) per owner, added to {@code counts}. */
    void count(java.util.Map<Integer, Integer> counts) {
        counts.merge(owner(), 1, Integer::sum);
        children.values().forEach(c -> c.count(counts));
    }
}
