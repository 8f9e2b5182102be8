package io.driftwatch.notify;

import io.driftwatch.model.Alert;
import io.driftwatch.model.IncidentNotification;
import io.driftwatch.model.PlanRecipient;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * E-mail over SMTP with Angus Mail: STARTTLS (required, optional or off), SMTP AUTH when a user is configured, a
 * plain-text message (UTF-8) to the configured {@code to} addresses plus, for a plan notification, each recipient of
 * the notification that has an e-mail address. The reference reported back is the message's Message-ID. SMTP 4xx
 * answers and connection errors are retried; 5xx answers and failed authentication are final.
 */
final class EmailTransport implements Transport {
    enum StartTls { REQUIRED, OPTIONAL, OFF }

    record Settings(String host, int port, StartTls startTls, String sslTrust, String username, String password,
                    InternetAddress from, List<InternetAddress> to, InternetAddress replyTo) {
    }

    private final Settings settings;
    private final Session session;

    EmailTransport(Settings settings, java.time.Duration timeout) {
        this.settings = settings;
        Properties p = new Properties();
        p.setProperty("mail.transport.protocol", "smtp");
        p.setProperty("mail.smtp.host", settings.host());
        p.setProperty("mail.smtp.port", String.valueOf(settings.port()));
        String ms = String.valueOf(timeout.toMillis());
        p.setProperty("mail.smtp.connectiontimeout", ms);
        p.setProperty("mail.smtp.timeout", ms);
        p.setProperty("mail.smtp.writetimeout", ms);
        p.setProperty("mail.smtp.auth", String.valueOf(settings.username() != null));
        p.setProperty("mail.smtp.starttls.enable", String.valueOf(settings.startTls() != StartTls.OFF));
        p.setProperty("mail.smtp.starttls.required", String.valueOf(settings.startTls() == StartTls.REQUIRED));
        p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
        if (settings.sslTrust() != null) {
            // the operator's choice for a server with a self-signed certificate: trust these hosts' certificates as they are
            p.setProperty("mail.smtp.ssl.trust", settings.sslTrust());
            p.setProperty("mail.smtp.ssl.checkserveridentity", "false");
        }
        p.setProperty("mail.smtp.from", settings.from().getAddress());
        this.session = Session.getInstance(p);
    }

    @Override
    public Attempt attempt(Item item) throws MessagingException {
        MimeMessage message = new MimeMessage(session);
        message.setFrom(settings.from());
        Map<String, InternetAddress> to = new LinkedHashMap<>();
        settings.to().forEach(a -> to.put(a.getAddress().toLowerCase(Locale.ROOT), a));
        List<PlanRecipient> reached = new ArrayList<>();
        String subject;
        String body;
        if (item.isAlert()) {
            subject = alertSubject(item.alert());
            body = alertBody(item.alert());
        } else {
            IncidentNotification n = item.notification();
            for (PlanRecipient r : n.getRecipients()) {
                InternetAddress address = address(r);
                if (address != null) {
                    to.putIfAbsent(address.getAddress().toLowerCase(Locale.ROOT), address);
                    reached.add(r);
                }
            }
            subject = IncidentText.subject(n);
            body = IncidentText.body(n) + "\n-- \nDriftwatch response plan, notification " + n.getNotificationId() + "\n";
        }
        if (to.isEmpty()) {
            return Attempt.refused("no recipient: no \"to\" address and no recipient of the notification has an e-mail address");
        }
        message.setRecipients(Message.RecipientType.TO, to.values().toArray(new Address[0]));
        if (settings.replyTo() != null) {
            message.setReplyTo(new Address[] {settings.replyTo()});
        }
        message.setSubject(AlertText.truncate(subject.replaceAll("\\p{Cntrl}+", " "), 250), "UTF-8");
        message.setText(body, "UTF-8", "plain");
        message.setSentDate(new Date());
        message.setHeader("Auto-Submitted", "auto-generated");
        message.saveChanges();
        String messageId = message.getMessageID();
        try (SMTPTransport smtp = (SMTPTransport) session.getTransport("smtp")) {
            smtp.connect(settings.host(), settings.port(), settings.username(), settings.password());
            smtp.sendMessage(message, message.getAllRecipients());
            String detail = "SMTP " + smtp.getLastReturnCode() + " from " + settings.host() + ", " + to.size() + " recipient(s)";
            return Attempt.delivered(messageId, detail, item.isAlert() ? null : reached);
        } catch (AuthenticationFailedException e) {
            return Attempt.refused("SMTP authentication failed at " + settings.host() + ": " + oneLine(e.getMessage()));
        } catch (SMTPSendFailedException | SMTPAddressFailedException e) {
            int code = e instanceof SMTPSendFailedException s ? s.getReturnCode() : ((SMTPAddressFailedException) e).getReturnCode();
            String detail = "SMTP " + code + " from " + settings.host() + ": " + oneLine(e.getMessage());
            return code >= 400 && code < 500 ? Attempt.retry(detail, 0) : Attempt.refused(detail);
        } catch (SendFailedException e) {
            return Attempt.refused("SMTP refused the message at " + settings.host() + ": " + oneLine(e.getMessage()));
        } catch (MessagingException e) {
            // connection refused, timeouts, STARTTLS required but not offered, TLS handshake: retried
            String cause = e.getCause() == null ? "" : " (" + e.getCause() + ")";
            if (e.getMessage() != null && e.getMessage().contains("STARTTLS is required")) {
                return Attempt.refused(oneLine(e.getMessage()) + " at " + settings.host());
            }
            return Attempt.retry("SMTP " + settings.host() + ":" + settings.port() + ": " + oneLine(e.getMessage()) + cause, 0);
        }
    }

    private static InternetAddress address(PlanRecipient r) {
        if (r.getEmail() == null || r.getEmail().isBlank()) {
            return null;
        }
        try {
            InternetAddress a = new InternetAddress(r.getEmail().strip(), true);
            if (r.getName() != null) {
                a.setPersonal(r.getName().replaceAll("\\p{Cntrl}+", " "), "UTF-8");
            }
            return a;
        } catch (AddressException | java.io.UnsupportedEncodingException e) {
            return null;
        }
    }

    static String alertSubject(Alert a) {
        return "[" + a.getSeverity() + "] " + AlertText.summary(a);
    }

    static String alertBody(Alert a) {
        StringBuilder b = new StringBuilder();
        b.append(AlertText.what(a)).append("\n\n");
        line(b, "Severity", String.valueOf(a.getSeverity()));
        line(b, "Rule", a.getRuleId() + (a.getRuleName() == null ? "" : " (" + a.getRuleName() + ")"));
        line(b, "Pod", a.getPodName());
        line(b, "Namespace", a.getNamespace());
        line(b, "Container", a.getContainerName() == null ? a.getContainerId() : a.getContainerName() + " (" + a.getContainerId() + ")");
        line(b, "Image", a.getImage());
        line(b, "Node", a.getNode());
        line(b, "Users", String.join(", ", a.getUsers()));
        line(b, "Path", a.getPath());
        line(b, "Process", a.getProcessName());
        line(b, "MITRE ATT&CK", String.join(", ", a.getMitre()));
        line(b, "Alert", a.getAlertId());
        line(b, "Time", Instant.ofEpochMilli(a.getTimestamp()).toString());
        return b.toString();
    }

    private static void line(StringBuilder b, String label, String value) {
        if (value != null && !value.isBlank()) {
            b.append(label).append(": ").append(value.replaceAll("[\\r\\n]+", " ")).append('\n');
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s+", " ");
    }
}
