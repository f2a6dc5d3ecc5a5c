#include "log/sqlitestatement.h"

namespace EventLogDb {

void appendUtf8(QByteArray& out, QStringView text)
{
    const qsizetype start = out.size();
    QStringEncoder encoder(QStringConverter::Utf8);
    out.resize(start + encoder.requiredSpace(text.size()));
    char* const end = encoder.appendToBuffer(out.data() + start, text);
    out.resize(end - out.constData());
}

QString sqliteError(sqlite3* db)
{
    return db ? QString::fromUtf8(sqlite3_errmsg(db)) : QStringLiteral("out of memory");
}

bool exec(sqlite3* db, const char* sql, QString* error)
{
    char* message = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        if (error)
            *error = message ? QString::fromUtf8(message) : sqliteError(db);
        else
            qWarning("EventLog: %s failed: %s", sql, message ? message : sqlite3_errmsg(db));
    }
    sqlite3_free(message);
    return rc == SQLITE_OK;
}

void rollback(sqlite3* db)
{
    if (!sqlite3_get_autocommit(db))
        exec(db, "ROLLBACK");
}

std::optional<qint64> scalar(sqlite3* db, const char* sql)
{
    Statement s(db, QByteArray(sql));
    if (!s)
        return std::nullopt;
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW)
        return s.integer(0);
    if (rc == SQLITE_DONE)
        return 0;
    return std::nullopt;
}

} // namespace EventLogDb
