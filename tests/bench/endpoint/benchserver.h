#pragma once

// What the endpoint benchmarks share: the request they send (a realistic click after search, as build-env.md
// measured), and a server process under test (`insights-debugger serve` or the bare Node.js server) with the
// figures read from /proc: CPU time, resident set, stored events.

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <optional>
#include <string>

namespace bench {

// A POST /1/events over HTTP/1.1 keep-alive with the given JSON body.
std::string insightsRequest(quint16 port, const QByteArray& body);

// {"events":[...]} with `count` clicks after search stamped 1 ms apart (about 260 bytes each).
QByteArray clickBatch(int count);

// "1.23 0.98 0.76": the load averages, to print beside figures taken on a shared machine.
QByteArray loadAverage();

// English thousands separators, fixed decimals.
QString number(double value, int decimals = 0);

class ServerProcess final
{
public:
    explicit ServerProcess(QString name)
        : m_name(std::move(name))
    {}
    ~ServerProcess();
    Q_DISABLE_COPY_MOVE(ServerProcess)

    // Starts the program and waits for its "listening on http://127.0.0.1:PORT" line.
    bool start(const QString& program, const QStringList& arguments);
    quint16 port() const { return m_port; }
    const QString& name() const { return m_name; }

    double cpuSeconds() const;     // user + system so far
    double residentMb() const;     // VmRSS now
    double peakResidentMb() const; // VmHWM
    // The log's lastId from /debugger/stats (serve only; nullopt for the bare server or on error).
    std::optional<qint64> storedEvents() const;

private:
    QString m_name;
    QProcess m_process;
    quint16 m_port = 0;
};

} // namespace bench
