#pragma once

// Reads the bytes an HTTP/1.1 server wrote on one connection as a sequence of responses, each framed by its
// Content-Length or chunked encoding (issue 11 §3): a second copy of a head, a missing length or bytes
// after the last response show as an error. Shared by tst_endpointframing and the HTTP fuzzer.

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

struct FramedResponse
{
    int status = 0;
    QList<QPair<QByteArray, QByteArray>> headers;
    QByteArray body;

    QByteArray header(QByteArrayView name) const
    {
        for (const auto& [key, value] : headers) {
            if (key.compare(name, Qt::CaseInsensitive) == 0)
                return value;
        }
        return {};
    }
};

struct FramedResponses
{
    QList<FramedResponse> responses;
    QString error;           // why the bytes are not a sequence of well-framed responses, empty when they are
    bool incomplete = false; // the error is only that the bytes end inside a response
};

// `headFirst`: the first response answers a HEAD request (no body whatever its headers say).
inline FramedResponses parseFramedResponses(const QByteArray& wire, bool headFirst = false)
{
    FramedResponses parsed;
    const auto fail = [&parsed](const QString& why, bool incomplete = false) {
        parsed.error = QStringLiteral("response %1: %2").arg(parsed.responses.size() + 1).arg(why);
        parsed.incomplete = incomplete;
        return parsed;
    };
    qsizetype at = 0;
    while (at < wire.size()) {
        const qsizetype end = wire.indexOf("\r\n\r\n", at);
        if (end < 0)
            return fail(QStringLiteral("no whole head in %1 bytes").arg(wire.size() - at), true);
        const QList<QByteArray> lines = wire.mid(at, end - at).split('\n');
        const QByteArray statusLine = lines.first().trimmed();
        bool statusOk = false;
        const int status = statusLine.mid(9, 3).toInt(&statusOk);
        if (!(statusLine.startsWith("HTTP/1.1 ") || statusLine.startsWith("HTTP/1.0 ")) || !statusOk ||
            statusLine.size() < 12 || (statusLine.size() > 12 && statusLine.at(12) != ' '))
            return fail(
                QStringLiteral("not a status line: %1").arg(QString::fromLatin1(statusLine.left(100))));
        FramedResponse response;
        response.status = status;
        int contentLengths = 0;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                return fail(QStringLiteral("not a header line: %1").arg(QString::fromLatin1(line.left(100))));
            const QByteArray name = line.left(colon).trimmed();
            response.headers.append({name, line.mid(colon + 1).trimmed()});
            if (name.compare("content-length", Qt::CaseInsensitive) == 0)
                ++contentLengths;
        }
        if (contentLengths > 1)
            return fail(QStringLiteral("%1 Content-Length headers").arg(contentLengths));
        at = end + 4;
        if (status < 200) // an interim answer (100 Continue): the final one follows
            continue;
        const bool noBody = (headFirst && parsed.responses.isEmpty()) || status == 204 || status == 304;
        if (noBody) {
        } else if (response.header("transfer-encoding").compare("chunked", Qt::CaseInsensitive) == 0) {
            while (true) {
                const qsizetype lineEnd = wire.indexOf("\r\n", at);
                if (lineEnd < 0)
                    return fail(QStringLiteral("a chunked body cut off"), true);
                bool ok = false;
                const qint64 size =
                    wire.mid(at, lineEnd - at).split(';').first().trimmed().toLongLong(&ok, 16);
                if (!ok || size < 0)
                    return fail(QStringLiteral("a bad chunk size"));
                if (size == 0) {
                    if (wire.size() < lineEnd + 4)
                        return fail(QStringLiteral("no end after the last chunk"), true);
                    if (wire.mid(lineEnd + 2, 2) != "\r\n")
                        return fail(QStringLiteral("trailers or garbage after the last chunk"));
                    at = lineEnd + 4;
                    break;
                }
                if (lineEnd + 2 + size + 2 > wire.size())
                    return fail(QStringLiteral("a chunk cut off"), true);
                response.body += wire.mid(lineEnd + 2, size);
                if (wire.mid(lineEnd + 2 + size, 2) != "\r\n")
                    return fail(QStringLiteral("a chunk not followed by CRLF"));
                at = lineEnd + 2 + size + 2;
            }
        } else if (const QByteArray length = response.header("content-length"); !length.isEmpty()) {
            bool ok = false;
            const qint64 size = length.toLongLong(&ok);
            if (!ok || size < 0)
                return fail(QStringLiteral("a bad Content-Length: %1").arg(QString::fromLatin1(length)));
            if (at + size > wire.size())
                return fail(QStringLiteral("a body shorter than its Content-Length"), true);
            response.body = wire.mid(at, size);
            at += size;
        } else {
            return fail(
                QStringLiteral("a %1 answer framed neither by Content-Length nor chunked").arg(status));
        }
        parsed.responses.append(response);
    }
    return parsed;
}
