package io.driftwatch.rules;

import io.driftwatch.model.Alert;
import io.driftwatch.model.ContainerMetadata;
import io.driftwatch.model.FileEvent;
import io.driftwatch.model.ResponseAction;
import io.driftwatch.model.ResponseCommand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.kie.api.runtime.KieSession;
import org.kie.api.runtime.rule.RuleContext;

/**
 * The one implementation of the DRL output globals for a session: turns a rule's call into an
 * {@link Alert} or {@link ResponseCommand}, inserts it back into the session (alerts for the
 * response policy, commands for its de-duplication) and keeps it until the evaluator drains it.
 * An alert that the rule set's capture policy ({@link io.driftwatch.rules.tuning.CapturePolicy})
 * admits also asks for a capture: only an alert that is raised, so not an excepted one nor a
 * repeat being collapsed, and not the summary of collapsed repeats (the first alert asked already).
 */
final class OutputCollector implements Detections, Responses {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OutputCollector.class);
  static final long COMMAND_VALIDITY_MILLIS = 10 * 60_000L;
  /** Repeats of an alert (same rule, container and path) within this much event time are collapsed. */
  static final long DEFAULT_REPEAT_WINDOW_MILLIS = 60_000L;
  /** A collapsed alert keeps at most this many event ids; its count says how many firings it stands for. */
  static final int MAX_COLLAPSED_EVENT_IDS = 100;
  private static final int MAX_OPEN_WINDOWS = 100_000;
  private static final long REPEAT_HORIZON_MILLIS = 60 * 60_000L;
  private static final int MAX_REMEMBERED_IDS = 100_000;
  private static final int ID_HEX_CHARS = 32;

  private RuleSet rules;
  private final long repeatWindowMillis;
  private ContainerTable containers;
  private LongSupplier clock;
  private ExceptionIndex exceptions;
  private KieSession session;
  private boolean muted;
  private long suppressed;
  private long changes;
  /** Open repeat windows by rule, container and path; insertion order is closing order. */
  private final LinkedHashMap<String, RepeatWindow> windows = new LinkedHashMap<>();
  private final RecentIds recentAlerts = new RecentIds(REPEAT_HORIZON_MILLIS, MAX_REMEMBERED_IDS);
  private final RecentIds recentCommands = new RecentIds(REPEAT_HORIZON_MILLIS, MAX_REMEMBERED_IDS);
  private final List<Alert> alerts = new ArrayList<>();
  private final List<ResponseCommand> commands = new ArrayList<>();
  private final List<CaptureRequest> captures = new ArrayList<>();

  /** Repeats collapsed since the first alert of a window; closed by {@link #closeWindows}. */
  private static final class RepeatWindow {
    final long closesAt;
    int repeats;
    final Set<String> eventIds = new LinkedHashSet<>();
    Alert last;

    RepeatWindow(long closesAt) {
      this.closesAt = closesAt;
    }
  }

  OutputCollector(RuleSet rules, long repeatWindowMillis) {
    this.rules = rules;
    this.repeatWindowMillis = repeatWindowMillis;
  }

  /** What binds the collector to one session. */
  record Binding(ContainerTable containers, LongSupplier clock, ExceptionIndex exceptions, KieSession session) {}

  Binding binding() {
    return new Binding(containers, clock, exceptions, session);
  }

  /** Back to a session bound before (a rule-set swap that failed). */
  void rebind(Binding binding) {
    this.containers = binding.containers();
    this.clock = binding.clock();
    this.exceptions = binding.exceptions();
    this.session = binding.session();
  }

  /** Binds the collector to a (new) session: its containers, clock and exception facts. */
  void attach(ContainerTable containers, LongSupplier clock, KieSession session) {
    this.containers = containers;
    this.clock = clock;
    this.exceptions = new ExceptionIndex(session);
    this.session = session;
  }

  void useRules(RuleSet rules) {
    this.rules = rules;
  }

  /** While muted, rules that fire produce nothing (state being carried into a new session). */
  void mute(boolean muted) {
    this.muted = muted;
  }

  long suppressed() {
    return suppressed;
  }

  /** Calls that produced, collapsed or suppressed an output (they change what later calls do). */
  long changes() {
    return changes;
  }

  /**
   * What the evaluator knew about an event: carried by the fact itself, so it lives exactly as long
   * as something in the session (the event, or a derived fact such as FileWritten) still refers to
   * the event, with no bookkeeping here (a weak map keyed by the fact cost 6% of an evaluation).
   */
  private static EventContext contextOf(FileEvent fact) {
    return fact instanceof ClassifiedEvent classified ? classified.context() : null;
  }

  Outputs drain() {
    if (alerts.isEmpty() && commands.isEmpty() && captures.isEmpty()) {
      return Outputs.empty();
    }
    Outputs outputs = new Outputs(alerts, commands, captures);
    alerts.clear();
    commands.clear();
    captures.clear();
    return outputs;
  }

  @Override
  public void alert(RuleContext drools, String message, FileEvent... events) {
    if (muted) {
      return;
    }
    changes++;
    RuleCatalog.Entry entry = rules.entry(drools.getRule());
    RuleInfo rule = entry.info();
    if (entry.kind() != RuleCatalog.Kind.DETECTION) {
      throw new IllegalStateException("rule " + rule.id() + " is not a detection rule and cannot raise alerts");
    }
    List<FileEvent> matched = chronological(rule, events);
    FileEvent completing = matched.get(matched.size() - 1);
    EventContext context = contextOf(completing);
    List<String> eventIds = matched.stream().map(FileEvent::getEventId).toList();
    String alertId = Hashes.sha256Hex(ID_HEX_CHARS, idParts(rule.id(), eventIds));
    ContainerMetadata container = context != null && context.container() != null
        ? context.container() : containers.get(completing.getContainerId());
    Set<String> users = new TreeSet<>();
    Set<String> sessions = new TreeSet<>();
    for (FileEvent event : matched) {
      EventContext eventContext = contextOf(event);
      if (eventContext != null) {
        users.addAll(eventContext.users());
        sessions.addAll(eventContext.sessions());
      }
    }
    if (exceptions.excepts(rule.id(), completing, container, users)) {
      suppressed++;
      return;
    }
    long now = clock.getAsLong();
    if (!recentAlerts.add(alertId, now)) {
      return;
    }
    Alert alert = Alert.newBuilder()
        .setAlertId(alertId)
        .setRuleId(rule.id())
        .setRuleName(rule.name())
        .setRuleVersion(rules.version())
        .setSeverity(rule.severity())
        .setMitre(rule.mitre())
        .setTags(tags(rule))
        .setTimestamp(context != null ? context.timestamp() : completing.getTimestamp())
        .setEventIds(eventIds)
        .setContainerId(completing.getContainerId())
        .setContainerName(container == null ? null : container.getContainerName())
        .setImage(container == null ? null : container.getImage())
        .setPodName(container == null ? null : container.getPodName())
        .setNamespace(container == null ? null : container.getNamespace())
        .setNode(completing.getNode() != null ? completing.getNode() : container == null ? null : container.getNode())
        .setUsers(List.copyOf(users))
        .setSessions(List.copyOf(sessions))
        .setProcessName(completing.getProcessName())
        .setPath(completing.getPath())
        .setMessage(message)
        .setEvidence(evidence(matched, context))
        .setCount(1)
        .build();
    if (repeatWindowMillis > 0) {
      String key = rule.id() + '\u0000' + alert.getContainerId()
          + (RuleInfo.COLLAPSE_BY_CONTAINER.equals(rule.collapse()) ? "" : '\u0000' + alert.getPath());
      RepeatWindow window = windows.get(key);
      if (window != null && now < window.closesAt) {
        window.repeats++;
        window.last = alert;
        for (String id : eventIds) {
          if (window.eventIds.size() < MAX_COLLAPSED_EVENT_IDS) {
            window.eventIds.add(id);
          }
        }
        return;
      }
      windows.remove(key);
      windows.put(key, new RepeatWindow(now + repeatWindowMillis));
      if (windows.size() > MAX_OPEN_WINDOWS) {
        closeWindows(Long.MAX_VALUE, windows.size() - MAX_OPEN_WINDOWS, drools.getKieRuntime());
      }
    }
    drools.getKieRuntime().insert(alert);
    alerts.add(alert);
    rules.tuning().captures().windowFor(alert.getRuleId(), alert.getNamespace(), alert.getSeverity())
        .ifPresent(window -> captures.add(new CaptureRequest(CaptureRequest.idFor(alertId), alert,
            window.beforeMillis(), window.afterMillis())));
  }

  /** When the oldest open repeat window closes (event time), or {@code Long.MAX_VALUE} without one. */
  long nextWindowClose() {
    return windows.isEmpty() ? Long.MAX_VALUE : windows.values().iterator().next().closesAt;
  }

  /**
   * Closes the repeat windows that ended by {@code now}: each that collapsed repeats becomes one
   * alert standing for them ({@code count} = the repeats, {@code eventIds} their ids up to
   * {@link #MAX_COLLAPSED_EVENT_IDS}; path, process and time of the newest), which also goes to
   * the response policy.
   */
  void closeWindows(long now) {
    closeWindows(now, Integer.MAX_VALUE, null);
  }

  private void closeWindows(long now, int atMost, org.kie.api.runtime.KieRuntime runtime) {
    List<Alert> summaries = new ArrayList<>();
    Iterator<RepeatWindow> oldestFirst = windows.values().iterator();
    int closed = 0;
    while (oldestFirst.hasNext() && closed < atMost) {
      RepeatWindow window = oldestFirst.next();
      if (window.closesAt > now) {
        break;
      }
      oldestFirst.remove();
      closed++;
      if (window.repeats > 0) {
        summaries.add(summary(window));
      }
    }
    for (Alert summary : summaries) {
      if (runtime != null) {
        runtime.insert(summary);
      } else {
        session.insert(summary);
      }
      alerts.add(summary);
    }
    if (runtime == null && !summaries.isEmpty()) {
      session.fireAllRules(RuleEvaluator.MAX_FIRINGS_PER_CALL);
    }
  }

  private Alert summary(RepeatWindow window) {
    Alert last = window.last;
    List<String> eventIds = List.copyOf(window.eventIds);
    String[] parts = new String[eventIds.size() + 2];
    parts[0] = last.getRuleId();
    parts[1] = "repeats";
    for (int i = 0; i < eventIds.size(); i++) {
      parts[i + 2] = eventIds.get(i);
    }
    // Field by field (Avro's deep-copying builder would load enum classes by name, which Avro
    // 1.12 refuses outside its trusted packages).
    Alert summary = new Alert();
    for (int i = 0; i < Alert.getClassSchema().getFields().size(); i++) {
      summary.put(i, last.get(i));
    }
    summary.setAlertId(Hashes.sha256Hex(ID_HEX_CHARS, parts));
    summary.setEventIds(eventIds);
    summary.setCount(window.repeats);
    summary.setMessage(last.getMessage() + " (repeated " + window.repeats + (window.repeats == 1 ? " time" : " times")
        + " within " + repeatWindowMillis / 1000 + " s of the first alert)");
    recentAlerts.add(summary.getAlertId(), clock.getAsLong());
    return summary;
  }

  /** What a response rule may ask for an alert of the node itself (host FIM). */
  static final java.util.Set<ResponseAction> HOST_ACTIONS = java.util.EnumSet.of(ResponseAction.NOTIFY,
      ResponseAction.SNAPSHOT_EVIDENCE);

  @Override
  public void command(RuleContext drools, Alert alert, ResponseAction action) {
    if (muted) {
      return;
    }
    changes++;
    RuleCatalog.Entry policy = rules.entry(drools.getRule());
    if (policy.kind() != RuleCatalog.Kind.RESPONSE) {
      throw new IllegalStateException("rule " + policy.info().id() + " is not a response rule and cannot issue commands");
    }
    if (ClassifiedEvent.HOST.equals(alert.getContainerId()) && !HOST_ACTIONS.contains(action)) {
      // The node itself is only ever notified about (and its evidence taken): whatever a tuning file or a custom
      // .respond package says, no command to pause, kill, isolate or label "host" leaves the engine.
      LOG.warn("response rule {} asked for {} on the node itself (containerId host): not issued", policy.info().id(), action);
      return;
    }
    String commandId = Hashes.sha256Hex(ID_HEX_CHARS, alert.getAlertId(), action.name());
    if (!recentCommands.add(commandId, clock.getAsLong())) {
      return;
    }
    Map<String, String> parameters = new LinkedHashMap<>();
    parameters.put("reason", alert.getRuleId());
    parameters.put("severity", alert.getSeverity().name());
    parameters.put("policy", policy.info().id());
    ResponseCommand command = ResponseCommand.newBuilder()
        .setCommandId(commandId)
        .setAlertId(alert.getAlertId())
        .setAction(action)
        .setNode(alert.getNode())
        .setContainerId(alert.getContainerId())
        .setPodName(alert.getPodName())
        .setNamespace(alert.getNamespace())
        .setParameters(parameters)
        .setIssuedAt(alert.getTimestamp())
        .setExpiresAt(alert.getTimestamp() + COMMAND_VALIDITY_MILLIS)
        .setSignature(null)
        .build();
    drools.getKieRuntime().insert(command);
    commands.add(command);
  }

  /** The events without repeats, oldest first (ties keep the rule's order): the last completes the match. */
  private static List<FileEvent> chronological(RuleInfo rule, FileEvent... events) {
    if (events == null || events.length == 0) {
      throw new IllegalArgumentException("rule " + rule.id() + " raised an alert without events");
    }
    Map<String, FileEvent> byId = new LinkedHashMap<>();
    for (FileEvent event : events) {
      if (event != null) {
        byId.putIfAbsent(event.getEventId(), event);
      }
    }
    if (byId.isEmpty()) {
      throw new IllegalArgumentException("rule " + rule.id() + " raised an alert without events");
    }
    List<FileEvent> sorted = new ArrayList<>(byId.values());
    sorted.sort(Comparator.comparingLong(FileEvent::getTimestamp));
    return sorted;
  }

  private static String[] idParts(String ruleId, List<String> eventIds) {
    String[] sortedIds = eventIds.toArray(String[]::new);
    Arrays.sort(sortedIds);
    String[] parts = new String[sortedIds.length + 1];
    parts[0] = ruleId;
    System.arraycopy(sortedIds, 0, parts, 1, sortedIds.length);
    return parts;
  }

  /** Rule metadata without a field of its own in Alert. */
  private static List<String> tags(RuleInfo rule) {
    Set<String> tags = new LinkedHashSet<>(rule.tags());
    tags.add("maturity:" + rule.maturity());
    if (rule.response() != null) {
      tags.add("response:" + rule.response());
    }
    return List.copyOf(tags);
  }

  private Map<String, String> evidence(List<FileEvent> matched, EventContext context) {
    Map<String, String> evidence = new LinkedHashMap<>();
    FileEvent completing = matched.get(matched.size() - 1);
    put(evidence, "eventType", completing.getType());
    put(evidence, "cmdline", completing.getCmdline());
    put(evidence, "exe", completing.getExe());
    put(evidence, "pid", completing.getPid());
    put(evidence, "ppid", completing.getPpid());
    put(evidence, "parentProcessName", completing.getParentProcessName());
    put(evidence, "uid", completing.getUid());
    put(evidence, "gid", completing.getGid());
    put(evidence, "loginUid", completing.getLoginUid());
    put(evidence, "mode", octal(completing.getMode()));
    put(evidence, "previousMode", octal(completing.getPreviousMode()));
    put(evidence, "newPath", completing.getNewPath());
    put(evidence, "source", completing.getSource());
    if (context != null) {
      if (!completing.getPath().equals(context.path())) {
        put(evidence, "originalPath", context.path());
      }
      if (context.newPath() != null && !context.newPath().equals(completing.getNewPath())) {
        put(evidence, "originalNewPath", context.newPath());
      }
      put(evidence, "enrichment", context.enrichment());
    }
    for (int i = 0; i < matched.size() - 1; i++) {
      FileEvent prior = matched.get(i);
      String prefix = "prior" + (i + 1) + ".";
      put(evidence, prefix + "eventId", prior.getEventId());
      put(evidence, prefix + "eventType", prior.getType());
      put(evidence, prefix + "path", prior.getPath());
      put(evidence, prefix + "processName", prior.getProcessName());
      put(evidence, prefix + "cmdline", prior.getCmdline());
    }
    return evidence;
  }

  private static void put(Map<String, String> evidence, String key, Object value) {
    if (value != null) {
      evidence.put(key, value.toString());
    }
  }

  private static String octal(Integer mode) {
    return mode == null ? null : String.format("%04o", mode);
  }
}
