package io.driftwatch.agent.respond;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Pause, resume and kill containers through runc, the low-level runtime under containerd and CRI-O
 * (for containerd, its runc root is {@code /run/containerd/runc/<namespace>}). The container is found
 * by its id under the configured runc roots, the same ones the runtime watcher reads.
 */
public class ContainerActions {
    /** What an action did: done, or not, with a sentence. */
    public record Outcome(boolean done, String detail) {
    }

    private final List<Path> runcRoots;
    private final String runc;

    public ContainerActions(List<Path> runcRoots, String runc) {
        this.runcRoots = List.copyOf(runcRoots);
        this.runc = runc;
    }

    public Outcome pause(String id) {
        return run(id, "pause", "paused (cgroup freezer)");
    }

    public Outcome resume(String id) {
        return run(id, "resume", "resumed");
    }

    /** SIGKILL to every process of the container. */
    public Outcome kill(String id) {
        return run(id, "kill", "killed (SIGKILL to all its processes)", "--all", id, "KILL");
    }

    /** runc's view of the container: running, paused, stopped; or null when it is not found. */
    public String state(String id) {
        Path root = rootOf(id);
        if (root == null) {
            return null;
        }
        Result r = exec(List.of(runc, "--root", root.toString(), "state", id));
        if (r.code != 0) {
            return null;
        }
        int i = r.out.indexOf("\"status\"");
        if (i < 0) {
            return null;
        }
        int start = r.out.indexOf('"', r.out.indexOf(':', i) + 1) + 1;
        return r.out.substring(start, r.out.indexOf('"', start));
    }

    /** The runc root that holds the container's state, or null. */
    public Path rootOf(String id) {
        for (Path root : runcRoots) {
            if (Files.isRegularFile(root.resolve(id).resolve("state.json"))) {
                return root;
            }
            try (var namespaces = Files.list(root)) {
                for (Path ns : (Iterable<Path>) namespaces::iterator) {
                    if (Files.isRegularFile(ns.resolve(id).resolve("state.json"))) {
                        return ns;
                    }
                }
            } catch (IOException e) {
                // not there
            }
        }
        return null;
    }

    private Outcome run(String id, String verb, String doneText, String... args) {
        Path root = rootOf(id);
        if (root == null) {
            return new Outcome(false, "container " + id + " not found under the runc roots " + runcRoots);
        }
        List<String> command = new ArrayList<>(List.of(runc, "--root", root.toString(), verb));
        if (args.length == 0) {
            command.add(id);
        } else {
            command.addAll(List.of(args));
        }
        Result r = exec(command);
        return r.code == 0 ? new Outcome(true, "container " + id + " " + doneText)
                : new Outcome(false, "runc " + verb + " " + id + " failed (exit " + r.code + "): " + r.out.strip());
    }

    private record Result(int code, String out) {
    }

    private static Result exec(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after 30 s");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
