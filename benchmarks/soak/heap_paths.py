#!/usr/bin/env python3
"""Paths from GC roots to the instances of a class in an HPROF heap dump, shortest first.

usage: heap_paths.py DUMP.hprof CLASS [MAXPATHS]   e.g. org/oxen/vmm/core/domain/DomainImpl
Weak, soft and phantom referents are not followed, so a path is what keeps the object strongly
reachable. Frames are named (thread, method, line). A soak writes a dump with
-Doxen.soak.heapDump=FILE when a destroyed domain stayed reachable."""
import struct, sys, collections
path, target = sys.argv[1], sys.argv[2]
maxpaths = int(sys.argv[3]) if len(sys.argv) > 3 else 5
data = open(path, 'rb').read()
p = data.index(b'\0') + 1
ids = struct.unpack('>I', data[p:p+4])[0]; p += 12
if ids != 8: raise SystemExit("identifiers of %d bytes: only 8 (a 64-bit JVM) is read" % ids)
SZ = {2: 8, 4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
strings = {}; classname = {}
classes = {}   # id -> (super, [(name,type)])
statics = {}   # class id -> [(name, refid)]
inst = {}      # obj -> (classid, offset, length)
arrays = {}    # obj -> (arrayclass, offset, n)
roots = []     # (objid, kind)
frames = {}; traces = {}; threadtrace = {}; serial2class = {}
def u4(o): return struct.unpack_from('>I', data, o)[0]
def u8(o): return struct.unpack_from('>Q', data, o)[0]
while p < len(data):
    tag = data[p]; length = u4(p + 5); body = p + 9; p = body + length
    if tag == 0x04:
        frames[u8(body)] = (u8(body + 8), u4(body + 32), struct.unpack_from('>i', data, body + 36)[0])
    elif tag == 0x05:
        n = u4(body + 8); traces[u4(body)] = [u8(body + 12 + 8 * i) for i in range(n)]
    elif tag == 0x01:
        strings[u8(body)] = data[body+8:body+length].decode('utf8', 'replace')
    elif tag == 0x02:
        classname[u8(body + 4)] = u8(body + 16); serial2class[u4(body)] = u8(body + 16)
    elif tag in (0x0C, 0x1C):
        q = body; end = body + length
        while q < end:
            st = data[q]; q += 1
            if st == 0xFF: roots.append((u8(q), 'unknown')); q += 8
            elif st == 0x01: roots.append((u8(q), 'jni global')); q += 16
            elif st == 0x02: roots.append((u8(q), 'jni local')); q += 16
            elif st == 0x03: roots.append((u8(q), ('frame', u4(q+8), struct.unpack_from('>i', data, q+12)[0]))); q += 16
            elif st == 0x08: threadtrace[u4(q + 8)] = u4(q + 12); roots.append((u8(q), 'thread object')); q += 16
            elif st == 0x04: roots.append((u8(q), 'native stack')); q += 12
            elif st == 0x05: roots.append((u8(q), 'sticky class')); q += 8
            elif st == 0x06: roots.append((u8(q), 'thread block')); q += 12
            elif st == 0x07: roots.append((u8(q), 'monitor used')); q += 8
            elif st == 0x20:
                cid = u8(q); sup = u8(q + 12); q += 8 + 4 + 6 * 8 + 4
                cp = struct.unpack_from('>H', data, q)[0]; q += 2
                for _ in range(cp):
                    t = data[q + 2]; q += 3 + SZ[t]
                ns = struct.unpack_from('>H', data, q)[0]; q += 2
                st_refs = []
                for _ in range(ns):
                    nm = u8(q); t = data[q + 8]; q += 9
                    if t == 2: st_refs.append((nm, u8(q)))
                    q += SZ[t]
                statics[cid] = st_refs
                nf = struct.unpack_from('>H', data, q)[0]; q += 2
                fl = []
                for _ in range(nf):
                    fl.append((u8(q), data[q + 8])); q += 9
                classes[cid] = (sup, fl)
            elif st == 0x21:
                oid = u8(q); cid = u8(q + 12); ln = u4(q + 20)
                inst[oid] = (cid, q + 24, ln); q += 24 + ln
            elif st == 0x22:
                oid = u8(q); n = u4(q + 12); ac = u8(q + 16)
                arrays[oid] = (ac, q + 24, n); q += 24 + 8 * n
            elif st == 0x23:
                n = u4(q + 12); t = data[q + 16]; q += 17 + n * SZ[t]
            else:
                raise SystemExit('unknown subtag %x at %d' % (st, q))
def describe(k):
    if isinstance(k, tuple):
        _, th, fr = k
        tr = traces.get(threadtrace.get(th), [])
        if 0 <= fr < len(tr):
            m, cs, line = frames[tr[fr]]
            return 'java frame of thread %d: %s.%s line %d' % (th, strings.get(serial2class.get(cs), '?'), strings.get(m, '?'), line)
        return 'java frame thread %d #%d' % (th, fr)
    return k
def cname(cid): return strings.get(classname.get(cid), '?%x' % cid)
# field layouts per class (own fields first, then super's)
layout = {}
def fields(cid):
    if cid in layout: return layout[cid]
    out = []; c = cid
    while c and c in classes:
        out.extend(classes[c][1]); c = classes[c][0]
    layout[cid] = out; return out
refclass = set(c for c in classes if cname(c) == 'java/lang/ref/Reference')
def isref(cid):
    c = cid
    while c and c in classes:
        if c in refclass: return True
        c = classes[c][0]
    return False
def edges(o):
    if o in inst:
        cid, off, ln = inst[o]; r = isref(cid)
        for nm, t in fields(cid):
            if t == 2:
                v = u8(off)
                fname = strings.get(nm, '?')
                if v and not (r and fname in ('referent', 'discovered')):
                    yield fname, v
            off += SZ[t]
        yield '<class>', cid
    elif o in arrays:
        ac, off, n = arrays[o]
        for i in range(n):
            v = u8(off + 8 * i)
            if v: yield '[%d]' % i, v
    elif o in classes or o in statics:
        for nm, v in statics.get(o, []):
            if v: yield 'static ' + strings.get(nm, '?'), v
def oname(o):
    if o in inst: return cname(inst[o][0])
    if o in arrays: return cname(arrays[o][0])
    if o in classes: return 'class ' + cname(o)
    return '?'
parent = {}
dq = collections.deque()
for o, k in roots:
    if o not in parent: parent[o] = (None, k); dq.append(o)
targets = [o for o, (c, _, _) in inst.items() if cname(c) == target]
print('%d instances of %s' % (len(targets), target))
while dq:
    o = dq.popleft()
    for f, v in edges(o):
        if v not in parent:
            parent[v] = (o, f); dq.append(v)
shown = 0
for t in targets:
    if t not in parent: print('unreachable (strongly):', hex(t)); continue
    if shown >= maxpaths: continue
    shown += 1
    chain = []; o = t
    while o is not None:
        par, f = parent[o]; chain.append((oname(o), describe(f), o)); o = par
    print('--- path to', hex(t))
    for nm, f, o in reversed(chain): print('   %s  (via %s)' % (nm, f))
