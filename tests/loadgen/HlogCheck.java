// SPDX-License-Identifier: MIT
// An independent reader and writer of HdrHistogram interval logs for corio-load's interoperability
// test, on Debian's libhdrhistogram-java (run as a single-file program: java -cp hdrhistogram.jar
// HlogCheck.java ...).
//   read FILE   prints "count max p50 p99 p99.9" (ns) of all the log's intervals added together
//   write FILE  writes a 3-interval log of known values and prints the same line for them
import java.io.File;
import java.io.PrintStream;
import org.HdrHistogram.EncodableHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.HdrHistogram.HistogramLogWriter;

public class HlogCheck {
    static void print(Histogram h) {
        System.out.println(h.getTotalCount() + " " + h.getMaxValue() + " " + h.getValueAtPercentile(50.0) + " "
                           + h.getValueAtPercentile(99.0) + " " + h.getValueAtPercentile(99.9));
    }

    public static void main(String[] args) throws Exception {
        Histogram total = new Histogram(1, 3_600_000_000_000L, 3);
        if (args[0].equals("read")) {
            HistogramLogReader reader = new HistogramLogReader(new File(args[1]));
            EncodableHistogram h;
            while ((h = reader.nextIntervalHistogram()) != null) total.add((Histogram) h);
        } else {
            HistogramLogWriter writer = new HistogramLogWriter(new PrintStream(new File(args[1])));
            long base = 1765000000000L;
            writer.outputLogFormatVersion();
            writer.outputStartTime(base);
            writer.setBaseTime(base);
            writer.outputBaseTime(base);
            writer.outputLegend();
            long v = 12345;
            for (int interval = 0; interval < 3; ++interval) {
                Histogram h = new Histogram(1, 3_600_000_000_000L, 3);
                h.setStartTimeStamp(base + interval * 1000L);
                h.setEndTimeStamp(base + interval * 1000L + 1000L);
                for (int i = 0; i < 10000; ++i) {
                    v = (v * 6364136223846793005L + 1442695040888963407L);
                    long value = 1000 + Math.floorMod(v >>> 20, 5_000_000L) * (i % 97 == 0 ? 40 : 1);
                    h.recordValue(value);
                }
                writer.outputIntervalHistogram(h);
                total.add(h);
            }
        }
        print(total);
    }
}
