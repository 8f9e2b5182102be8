package io.driftwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.driftwatch.model.PlanRecipient;
import io.driftwatch.notify.NotifierConfigException;
import io.driftwatch.notify.NotifiersFile;
import io.driftwatch.rules.plan.Contact;
import io.driftwatch.rules.plan.Drill;
import io.driftwatch.rules.plan.EscalationTier;
import io.driftwatch.rules.plan.IncidentClass;
import io.driftwatch.rules.plan.Match;
import io.driftwatch.rules.plan.Obligation;
import io.driftwatch.rules.plan.PlanException;
import io.driftwatch.rules.plan.PlanLoader;
import io.driftwatch.rules.plan.ResponsePlan;
import io.driftwatch.rules.plan.Step;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code driftwatch plan}: the incident response plan file (src/response-plan.md). */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = {"The incident response plan file: check it, and see who it names.",
                "",
                "The plan (YAML) says which incidents belong to which class, who leads each, the playbook, the channels, "
                        + "the escalation tiers, the obligations (deadlines from detection) and the drills; "
                        + "the app reads it from driftwatch.plan.file. Example: deploy/response-plan.yaml; format: "
                        + "src/response-plan.md."},
        subcommands = {PlanCommand.Validate.class, PlanCommand.Show.class, PlanCommand.ForDrill.class})
final class PlanCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "validate", aliases = "check", mixinStandardHelpOptions = true,
            header = "Check a response plan file, listing every problem with its line.",
            description = {"Read and check a response plan file and report every problem as file:line: message: YAML "
                    + "syntax, unknown keys, durations, contacts (a rota's members must be persons), references to "
                    + "contacts, obligations and classes, the default class (the last, the only one without match), "
                    + "escalation in strictly ascending order, evidence before containment (a step that pauses, isolates "
                    + "or kills comes after a SNAPSHOT_EVIDENCE step), drills that could pass within their timeout.",
                    "With --notifiers, every channel the plan names must be the name of an enabled notifier in that file; "
                            + "the notifiers file is loaded as notify loads it, so its environment variables and secret "
                            + "files must be there.",
                    "Prints a summary of the plan when it is valid. Exits 0 when valid, 1 on any problem, 2 on a usage error. "
                            + "'check' is an alias."})
    static final class Validate implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The plan file (YAML), e.g. deploy/response-plan.yaml.")
        Path file;
        @Option(names = "--notifiers", paramLabel = "NOTIFIERS.yaml",
                description = "Also check that every channel the plan names is a notifier in this notifiers file.")
        Path notifiers;
        @Option(names = "--json", description = "Print the result as JSON: {\"valid\", \"problems\", and the plan when valid}.")
        boolean json;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<String> problems = new ArrayList<>();
            ResponsePlan plan = null;
            try {
                plan = PlanLoader.load(file);
            } catch (PlanException e) {
                problems.addAll(e.problems());
            }
            List<String> channels = null;
            if (notifiers != null) {
                try {
                    channels = NotifiersFile.names(notifiers);
                } catch (NotifierConfigException e) {
                    problems.add(e.getMessage());
                }
            }
            if (plan != null && channels != null) {
                problems.addAll(PlanLoader.checkChannels(file, channels));
            }
            if (json) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ObjectNode root = mapper.createObjectNode();
                root.put("file", file.toString());
                root.put("valid", problems.isEmpty());
                ArrayNode list = root.putArray("problems");
                problems.forEach(list::add);
                if (plan != null) {
                    root.set("plan", PlanJson.plan(mapper, plan));
                }
                if (channels != null) {
                    ArrayNode known = root.putArray("notifiers");
                    channels.forEach(known::add);
                }
                out.println(mapper.writeValueAsString(root));
                out.flush();
                return problems.isEmpty() ? 0 : 1;
            }
            if (!problems.isEmpty()) {
                problems.forEach(out::println);
                out.printf("%s: %d %s%n", file, problems.size(), problems.size() == 1 ? "error" : "errors");
                out.flush();
                return 1;
            }
            long obligations = plan.obligations().size();
            out.printf("%s: OK — plan %s (version %s): %s, %s, %s%s%n", file, plan.name(), plan.version(),
                    count(plan.classes().size(), "class", "classes"), count(obligations, "obligation", "obligations"),
                    count(plan.drills().size(), "drill", "drills"),
                    channels == null ? "" : "; every channel is a notifier in " + notifiers);
            summary(out, plan);
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            header = "Who the plan names at a given time: each rota's person on call, each class's lead and tiers.",
            description = {"Read a plan and print, for the time given (default: now), who is on call on each rota and "
                    + "whom each class's lead and escalation tiers would reach. Exits 1 when the plan is not valid."})
    static final class Show implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The plan file (YAML).")
        Path file;
        @Option(names = "--at", paramLabel = "TIME",
                description = "The time: ISO-8601 with offset (2026-01-05T09:00:00Z) or 'now' (the default).")
        String at;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Instant when;
            try {
                when = at == null || at.equalsIgnoreCase("now") ? Instant.now() : OffsetDateTime.parse(at).toInstant();
            } catch (DateTimeParseException e) {
                err.println("error: --at: \"" + at + "\" is not a time with its offset (e.g. 2026-01-05T09:00:00Z) or now");
                err.flush();
                return 2;
            }
            ResponsePlan plan;
            try {
                plan = PlanLoader.load(file);
            } catch (PlanException e) {
                e.problems().forEach(out::println);
                out.printf("%s: not valid (driftwatch plan validate %s)%n", file, file);
                out.flush();
                return 1;
            }
            long ms = when.toEpochMilli();
            out.printf("plan %s (version %s) at %s%n", plan.name(), plan.version(), when);
            for (Contact c : plan.contacts().values()) {
                if (c.kind() == Contact.Kind.ROTA) {
                    String person = c.onCall(ms);
                    long start = c.rotaStart() == null ? 0 : c.rotaStart().toEpochMilli();
                    long shift = c.shift().toMillis();
                    long turn = Math.floorDiv(ms - start, shift);
                    Instant until = Instant.ofEpochMilli(start + (turn + 1) * shift);
                    out.printf("rota %s: %s on call until %s (then %s)%n", c.id(), describe(plan, person), until,
                            c.onCall(until.toEpochMilli()));
                }
            }
            for (IncidentClass c : plan.classes()) {
                out.printf("class %s: lead %s -> %s%n", c.name(), c.lead(), people(plan.resolve(List.of(c.lead()), ms)));
                for (EscalationTier t : c.escalation()) {
                    out.printf("  tier %d after %s: %s -> %s via %s%n", t.tier(), PlanLoader.formatDuration(t.after()),
                            String.join(", ", t.contacts()), people(plan.resolve(t.contacts(), ms)), String.join(", ", t.channels()));
                }
            }
            out.flush();
            return 0;
        }

        private static String describe(ResponsePlan plan, String id) {
            Contact c = id == null ? null : plan.contacts().get(id);
            return c == null ? String.valueOf(id) : id + " (" + c.name() + (c.email() == null ? "" : ", " + c.email()) + ")";
        }
    }

    @Command(name = "drill", mixinStandardHelpOptions = true,
            header = "What a drill needs from the plan, as one JSON object (for `driftwatch drill`).",
            description = {"Read a plan and print, as exactly one JSON object on stdout, what `driftwatch drill` needs "
                    + "from it: the plan's name, version and file, the names of its drills, the chosen drill (the first, "
                    + "or --drill NAME; durations in milliseconds, null when not given) and the class its pass names "
                    + "with that class's escalation tiers (null when the drill accepts any class).",
                    "The drill (node agent) runs this in a JVM of its own, so the agent never loads the rules' plan "
                            + "reader (src/response-plan.md, Drills).",
                    "Exits 0 with the JSON; 2 with every problem as file:line: message on stderr when the plan cannot "
                            + "be used, when it has no drills or no drill of that name, or on a usage error."})
    static final class ForDrill implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The plan file (YAML).")
        Path file;
        @Option(names = "--drill", paramLabel = "NAME", description = "Which of the plan's drills (default: the first).")
        String drillName;
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ResponsePlan plan;
            try {
                plan = PlanLoader.load(file);
            } catch (PlanException e) {
                err.println("error: the plan cannot be used:");
                e.problems().forEach(p -> err.println("  " + p));
                err.flush();
                return 2;
            } catch (java.io.IOException e) {
                err.println("error: cannot read the plan " + file + ": " + e.getMessage());
                err.flush();
                return 2;
            }
            if (plan.drills().isEmpty()) {
                err.println("error: " + file + " has no drills: (src/response-plan.md, \"Drills\")");
                err.flush();
                return 2;
            }
            Drill drill = drillName == null ? plan.drills().get(0) : plan.drill(drillName);
            if (drill == null) {
                err.println("error: " + file + " has no drill named '" + drillName + "'; it has "
                        + plan.drills().stream().map(Drill::name).toList());
                err.flush();
                return 2;
            }
            out.println(new ObjectMapper().writeValueAsString(PlanJson.drill(new ObjectMapper(), plan, drill)));
            out.flush();
            return 0;
        }
    }

    static String people(List<PlanRecipient> recipients) {
        if (recipients.isEmpty()) {
            return "nobody";
        }
        List<String> out = new ArrayList<>();
        for (PlanRecipient r : recipients) {
            out.add(r.getName() + (r.getEmail() == null ? "" : " <" + r.getEmail() + ">"));
        }
        return String.join(", ", out);
    }

    static void summary(PrintWriter out, ResponsePlan plan) {
        int width = plan.classes().stream().mapToInt(c -> c.name().length()).max().orElse(0);
        int leadWidth = plan.classes().stream().mapToInt(c -> c.lead().length() + kind(plan, c.lead()).length() + 3).max().orElse(0);
        for (IncidentClass c : plan.classes()) {
            out.printf("  class %-" + width + "s  lead %-" + leadWidth + "s  %s%n", c.name(), c.lead() + " (" + kind(plan, c.lead()) + ")",
                    c.match() == null ? "default: every other incident" : "match " + match(c.match()));
            List<String> tiers = new ArrayList<>();
            for (EscalationTier t : c.escalation()) {
                tiers.add(PlanLoader.formatDuration(t.after()) + " " + String.join("+", t.contacts()) + " via "
                        + String.join("+", t.channels()));
            }
            List<String> steps = new ArrayList<>();
            for (Step s : c.playbook()) {
                steps.add(s.id() + (s.automated() ? " [" + s.action() + "]" : ""));
            }
            out.printf("    playbook: %s%n", steps.isEmpty() ? "-" : String.join(", ", steps));
            out.printf("    escalation: %s%n", tiers.isEmpty() ? "-" : String.join("; ", tiers));
            if (!c.channels().isEmpty() || !c.obligations().isEmpty()) {
                out.printf("    channels: %s%s%n", c.channels().isEmpty() ? "-" : String.join(", ", c.channels()),
                        c.obligations().isEmpty() ? "" : "; obligations: " + String.join(", ", c.obligations()));
            }
        }
        for (Obligation o : plan.obligations()) {
            out.printf("  obligation %s: due %s after detection%s%s%n", o.id(), PlanLoader.formatDuration(o.due()),
                    o.remindBefore().isEmpty() ? "" : ", reminders "
                            + String.join(", ", o.remindBefore().stream().map(PlanLoader::formatDuration).toList()) + " before",
                    o.when() == null ? "" : "; also when " + match(o.when()));
        }
        for (Drill d : plan.drills()) {
            out.printf("  drill %s: attack %s%s, pass: class %s, detect within %s%s%n", d.name(), d.attack(),
                    d.every() == null ? "" : " every " + PlanLoader.formatDuration(d.every()),
                    d.expectClass() == null ? "any" : d.expectClass(), PlanLoader.formatDuration(d.detectWithin()),
                    d.containWithin() == null ? "" : ", contain within " + PlanLoader.formatDuration(d.containWithin()));
        }
    }

    private static String kind(ResponsePlan plan, String id) {
        Contact c = plan.contacts().get(id);
        return c == null ? "?" : c.kind().name().toLowerCase(java.util.Locale.ROOT);
    }

    static String match(Match m) {
        List<String> parts = new ArrayList<>();
        if (!m.rules().isEmpty()) {
            parts.add("rules " + String.join("|", m.rules()));
        }
        if (!m.tags().isEmpty()) {
            parts.add("tags " + String.join("|", m.tags()));
        }
        if (!m.tactics().isEmpty()) {
            parts.add("tactics " + String.join("|", m.tactics()));
        }
        if (!m.mitre().isEmpty()) {
            parts.add("mitre " + String.join("|", m.mitre()));
        }
        if (m.minSeverity() != null) {
            parts.add("severity >= " + m.minSeverity());
        }
        if (!m.namespaces().isEmpty()) {
            parts.add("namespaces " + String.join("|", m.namespaces()));
        }
        return String.join(" and ", parts);
    }

    static String count(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    /** The plan as JSON (validate --json). */
    static final class PlanJson {
        private PlanJson() {
        }

        static ObjectNode plan(ObjectMapper mapper, ResponsePlan plan) {
            ObjectNode root = mapper.createObjectNode();
            root.put("name", plan.name());
            root.put("version", plan.version());
            ObjectNode contacts = root.putObject("contacts");
            plan.contacts().forEach((id, c) -> {
                ObjectNode n = contacts.putObject(id);
                n.put("kind", c.kind().name().toLowerCase(java.util.Locale.ROOT));
                n.put("name", c.name());
                if (c.email() != null) {
                    n.put("email", c.email());
                }
                if (c.handle() != null) {
                    n.put("handle", c.handle());
                }
                if (!c.members().isEmpty()) {
                    ArrayNode members = n.putArray("members");
                    c.members().forEach(members::add);
                }
                if (c.shift() != null) {
                    n.put("shiftMs", c.shift().toMillis());
                }
                if (c.rotaStart() != null) {
                    n.put("start", c.rotaStart().toString());
                }
            });
            ArrayNode classes = root.putArray("classes");
            for (IncidentClass c : plan.classes()) {
                ObjectNode n = classes.addObject();
                n.put("name", c.name());
                n.put("title", c.title());
                n.put("default", c.match() == null);
                if (c.match() != null) {
                    n.put("match", match(c.match()));
                }
                n.put("lead", c.lead());
                strings(n.putArray("channels"), c.channels());
                ArrayNode steps = n.putArray("playbook");
                for (Step s : c.playbook()) {
                    ObjectNode step = steps.addObject();
                    step.put("id", s.id());
                    step.put("title", s.title());
                    step.put("action", s.action() == null ? null : s.action().name());
                }
                ArrayNode tiers = n.putArray("escalation");
                for (EscalationTier t : c.escalation()) {
                    ObjectNode tier = tiers.addObject();
                    tier.put("tier", t.tier());
                    tier.put("afterMs", t.after().toMillis());
                    strings(tier.putArray("notify"), t.contacts());
                    strings(tier.putArray("channels"), t.channels());
                }
                strings(n.putArray("obligations"), c.obligations());
            }
            ArrayNode obligations = root.putArray("obligations");
            for (Obligation o : plan.obligations()) {
                ObjectNode n = obligations.addObject();
                n.put("id", o.id());
                n.put("title", o.title());
                n.put("dueMs", o.due().toMillis());
                ArrayNode remind = n.putArray("remindBeforeMs");
                o.remindBefore().forEach(d -> remind.add(d.toMillis()));
                if (o.when() != null) {
                    n.put("when", match(o.when()));
                }
                strings(n.putArray("notify"), o.contacts());
                strings(n.putArray("channels"), o.channels());
            }
            ArrayNode drills = root.putArray("drills");
            for (Drill d : plan.drills()) {
                ObjectNode n = drills.addObject();
                n.put("name", d.name());
                n.put("attack", d.attack());
                millis(n, "everyMs", d.every());
                millis(n, "acknowledgeAfterMs", d.acknowledgeAfter());
                millis(n, "timeoutMs", d.timeout());
                n.put("class", d.expectClass());
                millis(n, "detectWithinMs", d.detectWithin());
                millis(n, "containWithinMs", d.containWithin());
                millis(n, "acknowledgeWithinMs", d.acknowledgeWithin());
                millis(n, "escalationToleranceMs", d.escalationTolerance());
            }
            strings(root.putArray("channels"), plan.channels());
            return root;
        }

        /** What a drill needs from the plan (plan drill): see {@link ForDrill}. */
        static ObjectNode drill(ObjectMapper mapper, ResponsePlan plan, Drill d) {
            ObjectNode root = mapper.createObjectNode();
            root.put("plan", plan.name());
            root.put("version", plan.version());
            root.put("file", plan.file());
            strings(root.putArray("drills"), plan.drills().stream().map(Drill::name).toList());
            ObjectNode n = root.putObject("drill");
            n.put("name", d.name());
            n.put("attack", d.attack());
            millis(n, "everyMs", d.every());
            millis(n, "acknowledgeAfterMs", d.acknowledgeAfter());
            millis(n, "timeoutMs", d.timeout());
            ObjectNode pass = n.putObject("pass");
            pass.put("class", d.expectClass());
            millis(pass, "detectWithinMs", d.detectWithin());
            millis(pass, "containWithinMs", d.containWithin());
            millis(pass, "acknowledgeWithinMs", d.acknowledgeWithin());
            millis(pass, "escalationToleranceMs", d.escalationTolerance());
            IncidentClass c = d.expectClass() == null ? null : plan.incidentClass(d.expectClass());
            if (c == null) {
                root.putNull("class");
            } else {
                ObjectNode cls = root.putObject("class");
                cls.put("name", c.name());
                cls.put("title", c.title());
                ArrayNode tiers = cls.putArray("escalation");
                for (EscalationTier t : c.escalation()) {
                    ObjectNode tier = tiers.addObject();
                    tier.put("tier", t.tier());
                    tier.put("afterMs", t.after().toMillis());
                    strings(tier.putArray("contacts"), t.contacts());
                    strings(tier.putArray("channels"), t.channels());
                }
            }
            return root;
        }

        private static void millis(ObjectNode n, String key, Duration d) {
            if (d == null) {
                n.putNull(key);
            } else {
                n.put(key, d.toMillis());
            }
        }

        private static void strings(ArrayNode array, java.util.Collection<String> values) {
            values.forEach(array::add);
        }
    }
}
