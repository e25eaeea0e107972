/** The trace buffers (xentrace): per-pCPU lock-free rings of binary records, the event mask and the trace points' entry. */
package org.oxen.vmm.core.trace;
