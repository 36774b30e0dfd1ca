package io.mmapheap.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import io.mmapheap.ElasticHeap;

class TraceProfileTest {

    /** A seeded trace: a growing phase, then a phase freeing most of it with a few reallocations. */
    private static Trace randomTrace(long seed) throws TraceFormatException {
        SplittableRandom random = new SplittableRandom(seed);
        int ids = 3000;
        List<String> lines = new ArrayList<>(List.of("0", String.valueOf(ids), "0", "1"));
        for (int id = 0; id < ids; id++) {
            lines.add("a " + id + " " + (1 + random.nextInt(random.nextInt(8) == 0 ? 20_000 : 300)));
        }
        for (int id = 0; id < ids; id++) {
            lines.add(random.nextInt(5) == 0 ? "r " + id + " " + random.nextInt(600) : "f " + id);
        }
        return Trace.parse("random-" + seed + ".rep", lines);
    }

    @Test
    void theBreakdownAtThePeakAddsUpToTheBytesMappedThen() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            Trace trace = randomTrace(seed);
            TraceProfile profile = TraceProfile.of(trace, () -> ElasticHeap.builder().build());
            TraceProfile.Breakdown b = profile.peak();
            assertEquals(b.mapped(), b.payload() + b.rounding() + b.cached() + b.kept() + b.freePages() + b.freeFragments(),
                    "seed " + seed + ": " + b);
            assertTrue(b.payload() > 0 && b.rounding() >= 0 && b.cached() >= 0 && b.freePages() >= 0 && b.freeFragments() >= 0, b.toString());
            assertTrue(b.mapped() <= profile.peakMapped(), b + " peak " + profile.peakMapped());
            assertEquals(2999, b.op(), "the payload peaks when the last block of the growing phase is allocated");
            TraceRunner.Result result = TraceRunner.run(trace, () -> new HeapTarget(ElasticHeap.builder().build()), ElasticHeap.DEFAULT_GRANULE, 1, 0);
            assertEquals(result.utilization(), (double) b.payload() / profile.peakMapped(), 1e-9,
                    "the breakdown's payload share is the utilization the runner reports");
        }
    }

    @Test
    void samplesFollowTheReplay() throws Exception {
        Trace trace = randomTrace(7);
        TraceProfile profile = TraceProfile.of(trace, () -> ElasticHeap.builder().build());
        assertTrue(profile.samples() > TraceProfile.SAMPLES / 2 && profile.samples() <= TraceProfile.SAMPLES + 2, "" + profile.samples());
        assertEquals(trace.size() - 1, profile.op(profile.samples() - 1), "the last operation is sampled");
        for (int k = 0; k < profile.samples(); k++) {
            assertTrue(profile.mapped(k) >= profile.inUse(k) + profile.cached(k) + profile.free(k) - 1, "sample " + k);
            assertTrue(profile.inUse(k) >= profile.payload(k), "sample " + k);
            assertTrue(k == 0 || profile.op(k) > profile.op(k - 1));
        }
    }

    @Test
    void thePlotIsWellFormedSvgWithEverySeries() throws Exception {
        TraceProfile profile = TraceProfile.of(randomTrace(11), () -> ElasticHeap.builder().build());
        String svg = TracePlot.svg(profile);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
        assertEquals("svg", doc.getDocumentElement().getTagName());
        NodeList lines = doc.getElementsByTagName("polyline");
        assertEquals(TracePlot.SERIES.length, lines.getLength());
        for (int i = 0; i < lines.getLength(); i++) {
            Element line = (Element) lines.item(i);
            assertEquals("series-" + TracePlot.SERIES[i], line.getAttribute("id"));
            assertEquals(profile.samples(), line.getAttribute("points").trim().split(" ").length,
                    line.getAttribute("id") + " has a point per sample");
        }
        assertTrue(svg.contains("random-11.rep"), "the title names the trace");
    }
}
