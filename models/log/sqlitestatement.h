#pragma once

// The event log's thin layer over the sqlite3 C API: a prepared statement that binds and reads Qt types
// without copies, and the few one-line helpers around it. Internal to models/log.

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringConverter>
#include <QStringView>
#include <QtDebug>

#include <sqlite3.h>

#include <optional>
#include <utility>
#include <vector>

namespace EventLogDb {

// SQLite's message for the connection's last error ("out of memory" without a connection).
QString sqliteError(sqlite3* db);

// Writes `text` as UTF-8 at the end of `out` (which grows as needed; its capacity is kept, so a buffer reused
// row after row stops allocating).
void appendUtf8(QByteArray& out, QStringView text);

// Owns a prepared statement.
class Statement
{
public:
    Statement() = default;
    Statement(sqlite3* db, const QByteArray& sql)
    {
        if (sqlite3_prepare_v2(db, sql.constData(), int(sql.size()), &m_stmt, nullptr) != SQLITE_OK) {
            qWarning("EventLog: cannot prepare %s: %s", sql.constData(), sqlite3_errmsg(db));
            m_stmt = nullptr;
        }
    }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept
        : m_stmt(std::exchange(other.m_stmt, nullptr))
        , m_utf8(std::move(other.m_utf8))
    {}
    Statement& operator=(Statement&& other) noexcept
    {
        std::swap(m_stmt, other.m_stmt);
        std::swap(m_utf8, other.m_utf8);
        return *this;
    }

    explicit operator bool() const { return m_stmt != nullptr; }
    sqlite3_stmt* get() const { return m_stmt; }

    // Text is bound as UTF-8, the database's encoding (bound as UTF-16, SQLite converted every value back),
    // converted into a buffer this statement keeps for parameter `i`: no allocation once warm. The bound
    // bytes stay valid until `i` is bound again.
    void bind(int i, QStringView text)
    {
        if (text.isEmpty()) {
            sqlite3_bind_null(m_stmt, i);
            return;
        }
        if (m_utf8.size() <= std::size_t(i))
            m_utf8.resize(std::size_t(i) + 1);
        QByteArray& buffer = m_utf8[std::size_t(i)];
        buffer.resize(0);
        appendUtf8(buffer, text);
        sqlite3_bind_text(m_stmt, i, buffer.constData(), int(buffer.size()), SQLITE_STATIC);
    }
    void bind(int i, const QString& text) { bind(i, QStringView(text)); }
    // The bytes stay alive until the statement steps: the binding does not copy.
    void bind(int i, const QByteArray& bytes)
    {
        if (bytes.isEmpty())
            sqlite3_bind_null(m_stmt, i);
        else
            sqlite3_bind_text(m_stmt, i, bytes.constData(), int(bytes.size()), SQLITE_STATIC);
    }
    // The same for bytes of any owner; empty binds NULL.
    void bindText(int i, QByteArrayView bytes)
    {
        if (bytes.isEmpty())
            sqlite3_bind_null(m_stmt, i);
        else
            sqlite3_bind_text(m_stmt, i, bytes.data(), int(bytes.size()), SQLITE_STATIC);
    }
    void bind(int i, qint64 value) { sqlite3_bind_int64(m_stmt, i, value); }
    // Bytes stored as a BLOB (never interpreted as text); an empty array is stored as an empty BLOB.
    void bindBlob(int i, QByteArrayView bytes)
    {
        sqlite3_bind_blob64(m_stmt, i, bytes.isNull() ? "" : bytes.data(), sqlite3_uint64(bytes.size()),
                            SQLITE_STATIC);
    }

    QString text(int column) const
    {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
        return p ? QString::fromUtf8(p, sqlite3_column_bytes(m_stmt, column)) : QString();
    }
    QByteArray bytes(int column) const
    {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, column));
        return p ? QByteArray(p, sqlite3_column_bytes(m_stmt, column)) : QByteArray();
    }
    qint64 integer(int column) const { return sqlite3_column_int64(m_stmt, column); }
    QByteArray blob(int column) const
    {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, column));
        return p ? QByteArray(p, sqlite3_column_bytes(m_stmt, column)) : QByteArray();
    }

    // Runs the statement to completion; true on success. Rows, if any, are ignored.
    bool run()
    {
        int rc;
        while ((rc = sqlite3_step(m_stmt)) == SQLITE_ROW) {
        }
        sqlite3_reset(m_stmt);
        return rc == SQLITE_DONE;
    }

private:
    sqlite3_stmt* m_stmt = nullptr;
    std::vector<QByteArray> m_utf8; // per parameter: the UTF-8 of the text bound last
};

// Runs `sql` (one or more statements); on failure sets `error`, or warns when it is null.
bool exec(sqlite3* db, const char* sql, QString* error = nullptr);
// After a failure: only when a transaction is open (BEGIN itself may be what failed).
void rollback(sqlite3* db);
// The first column of the first row (0 when there is none); nullopt on error.
std::optional<qint64> scalar(sqlite3* db, const char* sql);

} // namespace EventLogDb
