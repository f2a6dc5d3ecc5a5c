// Start-up with many test users: how long reading test-users.json takes for 10k, 40k and 100k users, and the
// whole desktop start (services and window shown, offscreen) on a data folder holding them. Prints figures,
// asserts nothing about speed. Linear means the per-user time stays flat as the count grows.
#include "main/desktopsession.h"
#include "main/mainwindow.h"
#include "users/testusermodel.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <cstdio>

namespace {

// A file as the app writes it, with `count` users (a third of them logged in, the last one global).
QByteArray usersFile(int count)
{
    QJsonArray users;
    QString last;
    for (int n = 0; n < count; ++n) {
        last = QUuid::createUuid().toString(QUuid::WithoutBraces);
        QJsonObject user{
            {QStringLiteral("id"), last},
            {QStringLiteral("label"), QStringLiteral("Shopper %1").arg(n + 1)},
            {QStringLiteral("userToken"), TestUserModel::newAnonymousToken()},
            {QStringLiteral("colour"), QStringLiteral("#1f77b4")},
        };
        if (n % 3 == 0)
            user.insert(QStringLiteral("authenticatedUserToken"), QStringLiteral("customer-%1").arg(n));
        users.append(user);
    }
    return QJsonDocument(QJsonObject{{QStringLiteral("version"), 1},
                                     {QStringLiteral("globalUserId"), last},
                                     {QStringLiteral("users"), users}})
        .toJson();
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    const bool withWindow = !app.arguments().contains(QStringLiteral("--model-only"));
    std::printf("%-8s %12s %14s %16s %14s\n", "users", "file MB", "model load ms", "us per user",
                "desktop ms");
    for (const int count : {10'000, 40'000, 100'000}) {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("test-users.json"));
        const QByteArray bytes = usersFile(count);
        {
            QFile file(path);
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
                return 1;
        }
        QElapsedTimer timer;
        timer.start();
        qint64 loadMs = 0;
        {
            TestUserModel model(path);
            loadMs = timer.elapsed();
            if (model.rowCount() != count || !model.loadProblem().isEmpty())
                return 2;
        }
        qint64 desktopMs = -1;
        if (withWindow) {
            DesktopOptions options;
            options.dataDir = dir.path();
            options.port = 0;
            options.inMemorySecrets = true;
            options.exampleOnFirstRun = false;
            timer.restart();
            DesktopSession::CreateResult created = DesktopSession::create(options);
            if (!created.session)
                return 3;
            created.session->window()->show();
            if (!QTest::qWaitForWindowExposed(created.session->window()))
                return 4;
            desktopMs = timer.elapsed();
        }
        std::printf("%-8d %12.1f %14lld %16.2f %14lld\n", count, bytes.size() / 1e6,
                    static_cast<long long>(loadMs), 1000.0 * static_cast<double>(loadMs) / count,
                    static_cast<long long>(desktopMs));
        std::fflush(stdout);
    }
    return 0;
}
