package dev.pgwarden.sidecar;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.File;
import java.lang.management.ManagementFactory;

/**
 * What a process holds that a leak would grow: live threads, open file descriptors, the proxy
 * allocator's buffer memory, and heap in use after a full collection.
 */
record ResourceGauges(int threads, int fileDescriptors, long bufferMemory, long heapAfterGc) {
    static ResourceGauges now() {
        for (int i = 0; i < 3; i++) {
            System.gc(); // several rounds: finalizable and weakly reachable objects take more than one
        }
        var metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        String[] fds = new File("/proc/self/fd").list();
        return new ResourceGauges(
                ManagementFactory.getThreadMXBean().getThreadCount(),
                fds == null ? -1 : fds.length,
                metric.usedDirectMemory() + metric.usedHeapMemory(),
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }

    @Override
    public String toString() {
        return threads + " threads, " + fileDescriptors + " fds, " + (bufferMemory >> 10) + " KiB buffers, "
                + (heapAfterGc >> 20) + " MiB heap after GC";
    }
}
