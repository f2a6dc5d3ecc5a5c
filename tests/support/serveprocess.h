#pragma once

// A real `insights-debugger serve` for tests that drive it from outside (the demo command, browsers): started
// on a free port with extra arguments, its URL read from the "listening on" line, terminated at the end; and
// the automation API's pages read back whole.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>
#include <QTest>

namespace ServeProcess {

class Serve
{
public:
    ~Serve()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.terminate();
            m_process.waitForFinished(10000);
        }
    }

    bool start(const QString& dataDir, const QStringList& extra)
    {
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        m_process.start(QString::fromLocal8Bit(qgetenv("INSIGHTS_DEBUGGER_EXE")),
                        QStringList{QStringLiteral("serve"), QStringLiteral("--listen"),
                                    QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"), dataDir,
                                    QStringLiteral("--quiet")} +
                            extra);
        const bool ready = QTest::qWaitFor(
            [this] {
                m_stdout += m_process.readAllStandardOutput();
                return m_stdout.contains('\n') || m_process.state() == QProcess::NotRunning;
            },
            30000);
        const QRegularExpressionMatch match =
            QRegularExpression(QStringLiteral("listening on (http://127\\.0\\.0\\.1:\\d+)"))
                .match(QString::fromUtf8(m_stdout));
        if (!ready || !match.hasMatch()) {
            qWarning("serve did not start: %s %s", m_stdout.constData(),
                     m_process.readAllStandardError().constData());
            return false;
        }
        m_url = match.captured(1);
        return true;
    }

    QString url() const { return m_url; }

private:
    QProcess m_process;
    QByteArray m_stdout;
    QString m_url;
};

inline QJsonArray allEvents(QNetworkAccessManager& manager, const QString& base, const QString& kind = {})
{
    QJsonArray out;
    qint64 since = 0;
    for (;;) {
        QString path = QStringLiteral("%1/debugger/events?limit=1000&since=%2").arg(base).arg(since);
        if (!kind.isEmpty())
            path = QStringLiteral("%1/debugger/%2?limit=1000&since=%3").arg(base, kind).arg(since);
        QNetworkReply* reply = manager.get(QNetworkRequest(QUrl(path)));
        if (!QTest::qWaitFor([reply] { return reply->isFinished(); }, 20000))
            return out;
        const QJsonObject page = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        const QJsonArray items = page.value(kind.isEmpty() ? QStringLiteral("events") : kind).toArray();
        for (const QJsonValue& item : items)
            out.append(item);
        if (!page.value(QStringLiteral("hasMore")).toBool() || items.isEmpty())
            return out;
        since = page.value(QStringLiteral("lastId")).toInteger();
    }
}

inline QStringList warningCodes(const QJsonObject& record)
{
    QStringList codes;
    for (const QJsonValue& issue : record.value(QStringLiteral("issues")).toArray()) {
        const QJsonObject object = issue.toObject();
        if (object.value(QStringLiteral("severity")).toString() != u"info")
            codes << object.value(QStringLiteral("code")).toString();
    }
    return codes;
}

} // namespace ServeProcess
