package io.driftwatch.scanner.report;

import io.driftwatch.scanner.check.CheckInfo;
import io.driftwatch.scanner.check.Finding;
import io.driftwatch.scanner.check.ScanReport;
import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * JUnit XML as CI systems read it (GitLab's junit artifacts, Jenkins, ...): a {@code <testsuite>} per check of the
 * policy; in it a failed {@code <testcase>} per finding (named by its path, the severity as the failure's type), a
 * skipped one per suppressed finding (the exception's reason), or one passing test case when the check found nothing.
 */
final class JunitReport {
    private JunitReport() {
    }

    static void write(ScanReport report, ReportContext context, Writer out) throws IOException {
        Map<String, List<Finding>> byCheck = new LinkedHashMap<>();
        for (CheckInfo check : report.checks()) {
            byCheck.put(check.id(), new ArrayList<>());
        }
        for (Finding f : report.findings()) {
            byCheck.computeIfAbsent(f.checkId(), id -> new ArrayList<>()).add(f);
        }
        Map<String, CheckInfo> infos = new LinkedHashMap<>();
        report.checks().forEach(c -> infos.put(c.id(), c));
        int tests = 0;
        int failures = 0;
        int skipped = 0;
        for (List<Finding> findings : byCheck.values()) {
            tests += Math.max(1, findings.size());
            for (Finding f : findings) {
                if (f.isSuppressed()) {
                    skipped++;
                } else {
                    failures++;
                }
            }
        }
        String time = seconds(report.durationMs());
        String timestamp = DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.ofEpochMilli(report.scannedAt())
                .atZone(ZoneOffset.UTC).toLocalDateTime().withNano(0));
        try {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out);
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.writeStartElement("testsuites");
            attribute(xml, "name", "driftwatch scan " + report.image().reference());
            xml.writeAttribute("tests", String.valueOf(tests));
            xml.writeAttribute("failures", String.valueOf(failures));
            xml.writeAttribute("errors", "0");
            xml.writeAttribute("skipped", String.valueOf(skipped));
            xml.writeAttribute("time", time);
            xml.writeCharacters("\n");
            for (Map.Entry<String, List<Finding>> entry : byCheck.entrySet()) {
                CheckInfo check = infos.get(entry.getKey());
                List<Finding> findings = entry.getValue();
                long suiteFailures = findings.stream().filter(f -> !f.isSuppressed()).count();
                long suiteSkipped = findings.size() - suiteFailures;
                xml.writeCharacters("  ");
                xml.writeStartElement("testsuite");
                attribute(xml, "name", entry.getKey() + (check == null ? "" : " " + check.description()));
                xml.writeAttribute("tests", String.valueOf(Math.max(1, findings.size())));
                xml.writeAttribute("failures", String.valueOf(suiteFailures));
                xml.writeAttribute("errors", "0");
                xml.writeAttribute("skipped", String.valueOf(suiteSkipped));
                xml.writeAttribute("time", "0");
                xml.writeAttribute("timestamp", timestamp);
                xml.writeCharacters("\n");
                if (check != null) {
                    xml.writeCharacters("    ");
                    xml.writeStartElement("properties");
                    property(xml, "severity", check.severity().name());
                    property(xml, "type", check.type());
                    property(xml, "image", report.image().reference());
                    property(xml, "imageDigest", report.image().digest());
                    xml.writeEndElement();
                    xml.writeCharacters("\n");
                }
                if (findings.isEmpty()) {
                    xml.writeCharacters("    ");
                    xml.writeEmptyElement("testcase");
                    attribute(xml, "classname", entry.getKey());
                    attribute(xml, "name", entry.getKey() + " " + (check == null ? "" : check.description()) + ": no findings");
                    xml.writeAttribute("time", "0");
                    xml.writeCharacters("\n");
                }
                for (Finding f : findings) {
                    xml.writeCharacters("    ");
                    xml.writeStartElement("testcase");
                    attribute(xml, "classname", f.checkId());
                    attribute(xml, "name", f.checkId() + " " + f.path() + (f.line() > 0 ? ":" + f.line() : ""));
                    xml.writeAttribute("time", "0");
                    if (f.isSuppressed()) {
                        xml.writeEmptyElement("skipped");
                        attribute(xml, "message", "suppressed by a policy exception: " + f.suppressed());
                    } else {
                        xml.writeStartElement("failure");
                        attribute(xml, "message", f.message() + (f.evidence() == null ? "" : " (" + f.evidence() + ")"));
                        xml.writeAttribute("type", f.severity().name());
                        text(xml, details(f, check));
                        xml.writeEndElement();
                    }
                    xml.writeEndElement();
                    xml.writeCharacters("\n");
                }
                xml.writeCharacters("  ");
                xml.writeEndElement();
                xml.writeCharacters("\n");
            }
            xml.writeEndElement();
            xml.writeCharacters("\n");
            xml.writeEndDocument();
            xml.flush();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write the JUnit report: " + e.getMessage(), e);
        }
    }

    private static String details(Finding f, CheckInfo check) {
        StringBuilder text = new StringBuilder();
        text.append(f.severity()).append(' ').append(f.checkId());
        if (check != null) {
            text.append(": ").append(check.description());
        }
        text.append("\npath: ").append(f.path());
        if (f.line() > 0) {
            text.append(" line ").append(f.line());
        }
        if (f.layer() >= 0) {
            text.append("\nlayer: ").append(f.layer()).append(' ').append(f.layerDigest());
        }
        if (f.removedInLayer() != null) {
            text.append("\nremoved in layer: ").append(f.removedInLayer()).append(' ').append(f.removedInDigest())
                    .append(" (still shipped in layer ").append(f.layer()).append(')');
        }
        text.append("\n").append(f.message());
        if (f.evidence() != null) {
            text.append("\nevidence: ").append(f.evidence());
        }
        if (check != null && !check.help().isBlank()) {
            text.append("\n\n").append(check.help());
        }
        return text.append('\n').toString();
    }

    private static void property(XMLStreamWriter xml, String name, String value) throws XMLStreamException {
        xml.writeEmptyElement("property");
        attribute(xml, "name", name);
        attribute(xml, "value", value);
    }

    private static void attribute(XMLStreamWriter xml, String name, String value) throws XMLStreamException {
        xml.writeAttribute(name, xmlSafe(value));
    }

    private static void text(XMLStreamWriter xml, String value) throws XMLStreamException {
        xml.writeCharacters(xmlSafe(value));
    }

    /** XML 1.0 allows no control characters but tab, newline and carriage return: others become \xNN. */
    static String xmlSafe(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean allowed = c == '\t' || c == '\n' || c == '\r' || c >= 0x20 && c <= 0xd7ff || c >= 0xe000 && c <= 0xfffd
                    || Character.isSurrogate(c) && validSurrogate(s, i);
            if (allowed) {
                out.append(c);
            } else {
                out.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean validSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }

    private static String seconds(long ms) {
        return String.format(Locale.ROOT, "%.3f", ms / 1000.0);
    }
}
