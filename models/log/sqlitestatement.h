#pragma once

// The event log's thin layer over the sqlite3 C API: a prepared statement that binds and reads Qt types
// without copies, and the few one-line helpers around it. Internal to models/log.

#include <QByteArray>
#include <QString>
#include <QtDebug>

#include <sqlite3.h>

#include <optional>
#include <utility>

namespace EventLogDb {

// SQLite's message for the connection's last error ("out of memory" without a connection).
QString sqliteError(sqlite3* db);

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
    {}
    Statement& operator=(Statement&& other) noexcept
    {
        std::swap(m_stmt, other.m_stmt);
        return *this;
    }

    explicit operator bool() const { return m_stmt != nullptr; }
    sqlite3_stmt* get() const { return m_stmt; }

    // QString data stays alive until the statement steps: the bindings do not copy.
    void bind(int i, const QString& text)
    {
        if (text.isEmpty())
            sqlite3_bind_null(m_stmt, i);
        else
            sqlite3_bind_text16(m_stmt, i, text.utf16(), int(text.size() * 2), SQLITE_STATIC);
    }
    void bind(int i, const QByteArray& bytes)
    {
        if (bytes.isEmpty())
            sqlite3_bind_null(m_stmt, i);
        else
            sqlite3_bind_text(m_stmt, i, bytes.constData(), int(bytes.size()), SQLITE_STATIC);
    }
    void bind(int i, qint64 value) { sqlite3_bind_int64(m_stmt, i, value); }
    // Bytes stored as a BLOB (never interpreted as text); an empty array is stored as an empty BLOB.
    void bindBlob(int i, const QByteArray& bytes)
    {
        sqlite3_bind_blob64(m_stmt, i, bytes.isNull() ? "" : bytes.constData(), sqlite3_uint64(bytes.size()),
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
};

// Runs `sql` (one or more statements); on failure sets `error`, or warns when it is null.
bool exec(sqlite3* db, const char* sql, QString* error = nullptr);
// After a failure: only when a transaction is open (BEGIN itself may be what failed).
void rollback(sqlite3* db);
// The first column of the first row (0 when there is none); nullopt on error.
std::optional<qint64> scalar(sqlite3* db, const char* sql);

} // namespace EventLogDb
