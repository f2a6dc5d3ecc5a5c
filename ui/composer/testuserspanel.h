#pragma once

#include <QWidget>

class QListView;
class QCheckBox;
class TestUserModel;

// The test users workbench: create, rename, log in and out, rotate, make global, delete. The selected user
// is the one the composer's "This event only" override and the actions apply to.
class TestUsersPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TestUsersPanel)

public:
    explicit TestUsersPanel(TestUserModel* users, QWidget* parent = nullptr);
    ~TestUsersPanel() override;

    QString selectedUserId() const;
    void selectUser(const QString& id);
    // Creates a user named `label` (a default name when empty) and selects it.
    QString createUser(const QString& label = {});
    // Whether "Delete" can also reset the user's tokens on the target (DELETE /1/usertokens).
    void setRemoteResetAvailable(bool available);

    // Actions on the selected user (buttons, menu and shortcuts).
    void renameSelected();
    void logInSelected();
    void logOutSelected();
    void rotateSelected();
    void makeSelectedGlobal();
    void deleteSelected();

Q_SIGNALS:
    void selectedUserChanged(const QString& id);
    // A user was deleted; its tokens are passed so that they can be reset on the target when asked.
    void userDeleted(const QStringList& tokens, bool resetOnTarget);

private:
    TestUserModel* m_users;
    QListView* m_list = nullptr;
    QCheckBox* m_resetOnTarget = nullptr;
};
