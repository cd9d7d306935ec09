package dev.pgwarden.sidecar;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Samples the buffer memory of the allocator every proxy channel uses while work runs. */
final class BufferMemory {
    private BufferMemory() {}

    interface Work {
        void run() throws Exception;
    }

    /** @return the peak of used direct plus heap buffer memory seen while {@code work} ran */
    static long peakDuring(Work work) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!done.get()) {
                // The allocator every proxy channel uses (Netty 4.2: the adaptive one).
                var metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
                peak.accumulateAndGet(metric.usedDirectMemory() + metric.usedHeapMemory(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        try {
            work.run();
        } finally {
            done.set(true);
            sampler.join();
        }
        return peak.get();
    }
}
