#pragma once
// What every ControlStore must do (stores/control_store.hpp), run against each store's tests:
// objects and secrets round-trip (created_at kept across a replace), each write bumps the version
// and lands with its audit record, deletes say whether there was one, a re-seal replaces every
// secret at once, and the audit trail reads newest first with its filters.
#include <gtest/gtest.h>

#include "stores/control_store.hpp"

namespace sluice::stores {

inline AuditRecord audit_record(std::int64_t ts_ms, std::string action, std::string kind,
                                std::string name) {
  AuditRecord a;
  a.ts_ms = ts_ms;
  a.actor = "admin";
  a.action = std::move(action);
  a.kind = std::move(kind);
  a.name = std::move(name);
  a.after = "{\"x\":1}";
  return a;
}

inline void check_control_store(ControlStore& store) {
  const std::int64_t v0 = store.control_version();
  EXPECT_TRUE(store.load_control().objects.empty());

  store.put_object({"endpoint", "chat", "", "{\"name\":\"chat\"}", 100, 100},
                   audit_record(1000, "create", "endpoint", "chat"), store.control_version());
  store.put_object({"route", "r", "team-a", "{\"name\":\"r\"}", 101, 101},
                   audit_record(1001, "create", "route", "r"), store.control_version());
  EXPECT_EQ(store.control_version(), v0 + 2);
  EXPECT_EQ(store.load_control().version, v0 + 2);
  // A write validated against an older version is refused and writes nothing.
  EXPECT_THROW(store.put_object({"endpoint", "late", "", "{\"name\":\"late\"}", 1, 1},
                                audit_record(1001, "create", "endpoint", "late"), v0),
               ControlConflict);
  EXPECT_THROW(store.delete_object("route", "r", audit_record(1001, "delete", "route", "r"), v0),
               ControlConflict);
  EXPECT_EQ(store.control_version(), v0 + 2);
  // A replace keeps the first created_at and takes the new body and updated_at.
  store.put_object({"endpoint", "chat", "", "{\"name\":\"chat\",\"v\":2}", 999, 200},
                   audit_record(1002, "update", "endpoint", "chat"), store.control_version());
  auto loaded = store.load_control();
  ASSERT_EQ(loaded.objects.size(), 2u);
  EXPECT_EQ(loaded.objects[0].kind, "endpoint");
  EXPECT_EQ(loaded.objects[0].body, "{\"name\":\"chat\",\"v\":2}");
  EXPECT_EQ(loaded.objects[0].created_at, 100);
  EXPECT_EQ(loaded.objects[0].updated_at, 200);
  EXPECT_EQ(loaded.objects[1].workspace, "team-a");

  store.put_secret({"openai", "", "k1", "bm9uY2U=", "Y2lwaGVy", 5, 5},
                   audit_record(1003, "create", "secret", "openai"), store.control_version());
  store.put_secret({"other", "", "k1", "bm9uY2U=", "b3RoZXI=", 6, 6},
                   audit_record(1004, "create", "secret", "other"), store.control_version());
  config::SealedSecret resealed{"openai", "", "k2", "bjI=", "YzI=", 5, 9};
  config::SealedSecret resealed_other{"other", "", "k2", "bjM=", "YzM=", 6, 9};
  const std::int64_t before_reseal = store.control_version();
  // (and an object whose body holds sealed values: an MLflow secret)
  const config::StoredObject resealed_object{"route", "r", "team-a", "{\"name\":\"r\",\"k\":2}",
                                             0,       9};
  store.replace_secrets(std::vector{resealed, resealed_other}, std::vector{resealed_object},
                        audit_record(1005, "rotate-key", "secret", "*"), store.control_version());
  EXPECT_EQ(store.control_version(), before_reseal + 1);
  loaded = store.load_control();
  ASSERT_EQ(loaded.secrets.size(), 2u);
  EXPECT_EQ(loaded.secrets[0].name, "openai");
  EXPECT_EQ(loaded.secrets[0].key_id, "k2");
  EXPECT_EQ(loaded.secrets[0].ciphertext, "YzI=");
  EXPECT_EQ(loaded.secrets[0].created_at, 5);
  EXPECT_EQ(loaded.secrets[0].updated_at, 9);
  EXPECT_EQ(loaded.secrets[1].nonce, "bjM=");
  ASSERT_EQ(loaded.objects.size(), 2u);
  EXPECT_EQ(loaded.objects[1].body, "{\"name\":\"r\",\"k\":2}");
  EXPECT_EQ(loaded.objects[1].created_at, 101);
  EXPECT_EQ(loaded.objects[1].updated_at, 9);
  EXPECT_EQ(loaded.objects[0].body, "{\"name\":\"chat\",\"v\":2}");

  EXPECT_TRUE(store.delete_object("endpoint", "chat",
                                  audit_record(1006, "delete", "endpoint", "chat"),
                                  store.control_version()));
  EXPECT_FALSE(store.delete_object("endpoint", "chat",
                                   audit_record(1007, "delete", "endpoint", "chat"),
                                   store.control_version()));
  EXPECT_FALSE(store.delete_object("route", "chat", audit_record(1007, "delete", "route", "chat"),
                                   store.control_version()));
  EXPECT_TRUE(store.delete_secret("other", audit_record(1008, "delete", "secret", "other"),
                                  store.control_version()));
  EXPECT_FALSE(store.delete_secret("other", audit_record(1009, "delete", "secret", "other"),
                                   store.control_version()));
  store.append_audit(audit_record(1010, "create", "key", "key_1"));
  loaded = store.load_control();
  EXPECT_EQ(loaded.objects.size(), 1u);
  EXPECT_EQ(loaded.secrets.size(), 1u);

  AuditQuery all;
  all.until_ms = 2000;
  const auto trail = store.audit(all);
  // A delete that found nothing wrote no record.
  ASSERT_EQ(trail.size(), 9u);
  EXPECT_EQ(trail.front().name, "key_1");
  EXPECT_EQ(trail.back().action, "create");
  EXPECT_EQ(trail.back().after, "{\"x\":1}");
  EXPECT_EQ(trail.back().actor, "admin");
  EXPECT_GT(trail.front().id, trail.back().id);
  AuditQuery secrets = all;
  secrets.kind = "secret";
  EXPECT_EQ(store.audit(secrets).size(), 4u);
  AuditQuery one = all;
  one.kind = "endpoint";
  one.name = "chat";
  one.limit = 2;
  const auto chat = store.audit(one);
  ASSERT_EQ(chat.size(), 2u);
  EXPECT_EQ(chat[0].action, "delete");
  AuditQuery window = all;
  window.since_ms = 1004;
  window.until_ms = 1006;
  EXPECT_EQ(store.audit(window).size(), 2u);

  // A workspace admin reads its workspace's records only ("" is the default workspace).
  AuditRecord theirs = audit_record(1011, "create", "key", "key_w");
  theirs.workspace = "team-a";
  theirs.actor = "key:key_wa";
  store.append_audit(theirs);
  AuditQuery team = all;
  team.workspace = "team-a";
  const auto team_trail = store.audit(team);
  ASSERT_EQ(team_trail.size(), 1u);
  EXPECT_EQ(team_trail[0].name, "key_w");
  EXPECT_EQ(team_trail[0].actor, "key:key_wa");
  team.workspace = "";
  EXPECT_EQ(store.audit(team).size(), 9u);
  team.workspace = "team-a' OR '1'='1";
  EXPECT_TRUE(store.audit(team).empty());
}

}  // namespace sluice::stores
