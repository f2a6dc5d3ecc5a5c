#pragma once

// Whole-request deadlines for the embedded endpoint (issue 11 §4). libmicrohttpd 0.9.75 only knows an idle
// timeout, which any byte resets: a client trickling a byte every few seconds would hold its connection for
// ever, and a thousand of them would hold every slot. The watchdog gives each request a deadline for its
// request line and headers, and its body a minimum rate, and shuts the socket of a connection that misses
// them down (libmicrohttpd then sees the end of the stream and closes the connection itself). Connections
// whose request is being answered (waiting for the log's commit) are never touched.

#include <QMutex>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>

struct WatchdogLimits
{
    int headerTimeoutMs = 10'000;            // from the connection to the last header of its first request
    int idleTimeoutMs = 30'000;              // keep-alive: the next request's headers are due idle + header
    qint64 minBodyBytesPerSecond = 8 * 1024; // averaged since the headers, checked after headerTimeoutMs
};

class ConnectionWatchdog final
{
    Q_DISABLE_COPY_MOVE(ConnectionWatchdog)

public:
    // One connection's progress; owned by the watchdog from add() to remove().
    struct Watch
    {
        int fd = -1;
        std::atomic<int> stage{0}; // Stage
        std::atomic<qint64> stageStartMs{0};
        std::atomic<qint64> headersDueMs{0};
        std::atomic<qint64> bodyBytes{0};
    };

    ConnectionWatchdog() = default;
    ~ConnectionWatchdog();

    void start(const WatchdogLimits& limits);
    void stop();

    Watch* add(int fd);        // a connection opened: its headers are due within the timeout
    void remove(Watch* watch); // the connection closed (before its socket is closed)
    static void headersReceived(Watch* watch);
    static void bodyReceived(Watch* watch, qint64 bytes);
    static void answering(Watch* watch); // the request is whole: no deadline while it is answered
    void requestFinished(Watch* watch);  // keep-alive: the next request's headers are due
    // Runs `expire` on the watchdog's thread about `delayMs` from now (within its 250 ms tick), unless the
    // watchdog stops first: the bound on an answer that waits for something else (a refusal's log commit).
    void after(int delayMs, std::function<void()> expire);

    // Connections shut down so far for missing a deadline.
    qint64 dropped() const { return m_dropped.load(); }

private:
    enum Stage
    {
        AwaitingHeaders = 0,
        ReceivingBody = 1,
        Answering = 2,
    };
    void run();

    WatchdogLimits m_limits;
    QMutex m_mutex; // guards m_watches; remove() takes it, so a socket is never shut down after its close
    std::unordered_set<Watch*> m_watches;
    std::multimap<qint64, std::function<void()>> m_timers; // due time (ms since the epoch) -> what to run
    std::thread m_thread;
    std::mutex m_wakeMutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::atomic<qint64> m_dropped{0};
};
