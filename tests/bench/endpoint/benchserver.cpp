#include "benchserver.h"

#include "loadgenerator.h"

#include <QDateTime>
#include <QFile>
#include <QLocale>
#include <QRegularExpression>

#include <cstdio>
#include <unistd.h>

namespace bench {

std::string insightsRequest(quint16 port, const QByteArray& body)
{
    const QByteArray head =
        "POST /1/events HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
        "\r\nContent-Type: application/json\r\nx-algolia-application-id: BENCHAPP\r\n"
        "x-algolia-api-key: bench-key\r\nUser-Agent: bench-endpoint/1.0\r\nContent-Length: " +
        QByteArray::number(body.size()) + "\r\n\r\n";
    return QByteArray(head + body).toStdString();
}

namespace {

QByteArray clickEvent(int i, qint64 now)
{
    return "{\"eventType\":\"click\",\"eventName\":\"Product "
           "Clicked\",\"index\":\"products\",\"userToken\":\"user-" +
           QByteArray::number(i % 97) + "\",\"timestamp\":" + QByteArray::number(now - i) +
           ",\"objectIDs\":[\"9780545139700\",\"97804397845" + QByteArray::number(i % 10) +
           "\"],\"positions\":[7,8],\"queryID\":\"43b15df305339e827f0ac0bdc5ebcaa7\","
           "\"authenticatedUserToken\":\"customer-" +
           QByteArray::number(i % 89) + "\"}";
}

// One "Name:   value kB" line of /proc/PID/status, in MB.
double statusMb(qint64 pid, const QByteArray& key)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith(key))
            return line.mid(key.size()).trimmed().split(' ').value(0).toDouble() / 1024.0;
    }
    return 0;
}

} // namespace

QByteArray clickBatch(int count)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QByteArray body = "{\"events\":[";
    for (int i = 0; i < count; ++i)
        body += (i ? "," : "") + clickEvent(i, now);
    return body + "]}";
}

QByteArray loadAverage()
{
    QFile file(QStringLiteral("/proc/loadavg"));
    return file.open(QIODevice::ReadOnly) ? file.readAll().split(' ').mid(0, 3).join(' ') : QByteArray("?");
}

QString number(double value, int decimals)
{
    return QLocale(QLocale::English).toString(value, 'f', decimals);
}

ServerProcess::~ServerProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        if (!m_process.waitForFinished(10000))
            m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool ServerProcess::start(const QString& program, const QStringList& arguments)
{
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.start(program, arguments);
    QByteArray out;
    while (!out.contains('\n') && m_process.waitForReadyRead(15000))
        out += m_process.readAllStandardOutput();
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral(R"(listening on http://127\.0\.0\.1:(\d+))"))
            .match(QString::fromUtf8(out));
    if (!match.hasMatch()) {
        std::fprintf(stderr, "%s did not start: %s %s\n", qPrintable(m_name), out.constData(),
                     m_process.readAllStandardError().constData());
        return false;
    }
    m_port = static_cast<quint16>(match.captured(1).toUInt());
    return true;
}

double ServerProcess::cpuSeconds() const
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(m_process.processId()));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = stat.readAll();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    const double ticks = fields.value(11).toDouble() + fields.value(12).toDouble();
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ServerProcess::residentMb() const
{
    return statusMb(m_process.processId(), "VmRSS:");
}

double ServerProcess::peakResidentMb() const
{
    return statusMb(m_process.processId(), "VmHWM:");
}

std::optional<qint64> ServerProcess::storedEvents() const
{
    const std::string body = httpGet(m_port, "/debugger/stats");
    const QRegularExpressionMatch match =
        QRegularExpression(QStringLiteral(R"("lastId":(\d+))")).match(QString::fromStdString(body));
    return match.hasMatch() ? std::optional<qint64>(match.captured(1).toLongLong()) : std::nullopt;
}

} // namespace bench
