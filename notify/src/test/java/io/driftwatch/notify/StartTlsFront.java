package io.driftwatch.notify;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * GreenMail 2.1.5 speaks SMTP with AUTH but has no STARTTLS, so the tests put this in front of it: it answers the
 * greeting and EHLO itself, offering only STARTTLS, refuses anything else before it (530), performs the TLS
 * handshake as the server (GreenMail's own self-signed test certificate), then connects to GreenMail and relays the
 * decrypted SMTP session (the client's second EHLO, AUTH, MAIL, RCPT, DATA) both ways. What the mail client does is
 * the real STARTTLS of Angus Mail; what receives, authenticates and stores the mail is GreenMail.
 */
final class StartTlsFront implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final SSLContext tls;
    private final AtomicInteger handshakes = new AtomicInteger();
    private final List<String> protocols = new ArrayList<>();
    private final List<Socket> open = new ArrayList<>();
    private final Thread acceptor;

    StartTlsFront(int upstreamPort) throws Exception {
        this.upstreamPort = upstreamPort;
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = StartTlsFront.class.getClassLoader().getResourceAsStream("greenmail.p12")) {
            keys.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "starttls-front");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Sessions that completed the TLS handshake. */
    int handshakes() {
        return handshakes.get();
    }

    synchronized List<String> protocols() {
        return List.copyOf(protocols);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                synchronized (this) {
                    open.add(client);
                }
                Thread t = new Thread(() -> session(client), "starttls-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void session(Socket plain) {
        try {
            InputStream in = plain.getInputStream();
            OutputStream out = plain.getOutputStream();
            write(out, "220 starttls-front ESMTP ready");
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    plain.close();
                    return;
                }
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                if (verb.equals("EHLO")) {
                    write(out, "250-starttls-front\r\n250 STARTTLS");
                } else if (verb.equals("HELO")) {
                    write(out, "250 starttls-front");
                } else if (line.equalsIgnoreCase("STARTTLS")) {
                    write(out, "220 2.0.0 Ready to start TLS");
                    break;
                } else if (verb.equals("QUIT")) {
                    write(out, "221 bye");
                    plain.close();
                    return;
                } else {
                    write(out, "530 5.7.0 Must issue a STARTTLS command first");
                }
            }
            SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", plain.getPort(), true);
            secure.setUseClientMode(false);
            secure.startHandshake();
            handshakes.incrementAndGet();
            synchronized (this) {
                protocols.add(secure.getSession().getProtocol());
            }
            Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
            synchronized (this) {
                open.add(upstream);
            }
            InputStream upIn = upstream.getInputStream();
            readLine(upIn); // GreenMail's 220 greeting: the client had the front's
            Thread back = new Thread(() -> pipe(upIn, secure), "starttls-back");
            back.setDaemon(true);
            back.start();
            pipe(secure.getInputStream(), upstream);
        } catch (IOException e) {
            try {
                plain.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static void pipe(InputStream from, Socket to) {
        try {
            byte[] buffer = new byte[8192];
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = from.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side closed
        } finally {
            try {
                to.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static void write(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One CRLF-terminated line, byte by byte (nothing after it is read: the TLS handshake follows STARTTLS). */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.US_ASCII);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
        return null;
    }

    @Override
    public synchronized void close() throws IOException {
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
