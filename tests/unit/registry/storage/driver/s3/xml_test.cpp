#include "registry/storage/driver/s3/xml.h"

#include <gtest/gtest.h>

#include "registry/storage/driver/s3/amz_time.h"
#include "registry/storage/driver/s3/parts.h"

namespace berth::registry::s3 {
namespace {

// A ListObjectsV2 answer as S3 documents it (namespace, prolog, both kinds of entries).
constexpr const char* kListPage = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name>
  <Prefix>reg/repositories/</Prefix>
  <KeyCount>3</KeyCount>
  <MaxKeys>1000</MaxKeys>
  <Delimiter>/</Delimiter>
  <IsTruncated>true</IsTruncated>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
  <Contents>
    <Key>reg/repositories/a&amp;b</Key>
    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
    <Size>434234</Size>
    <StorageClass>STANDARD</StorageClass>
  </Contents>
  <CommonPrefixes><Prefix>reg/repositories/team/</Prefix></CommonPrefixes>
  <CommonPrefixes><Prefix>reg/repositories/app/</Prefix></CommonPrefixes>
</ListBucketResult>)";

TEST(S3XmlTest, ParsesAListPage) {
  auto page = parseListObjects(kListPage);
  ASSERT_TRUE(page) << page.error().detail;
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "reg/repositories/a&b");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[0].modifiedUnixSeconds, 1255369830);
  EXPECT_EQ(page->commonPrefixes,
            (std::vector<std::string>{"reg/repositories/team/", "reg/repositories/app/"}));
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->nextContinuationToken, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(S3XmlTest, ParsesAnEmptyLastPage) {
  auto page = parseListObjects(
      "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(S3XmlTest, ParsesErrorsAndResults) {
  auto error = parseError(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please "
      "reduce your request rate.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "SlowDown");
  EXPECT_EQ(error->message, "Please reduce your request rate.");
  EXPECT_FALSE(parseError("<CopyObjectResult><ETag>x</ETag></CopyObjectResult>"));
  EXPECT_FALSE(parseError("not xml"));
  EXPECT_FALSE(parseError(""));

  EXPECT_EQ(parseUploadId("<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/"
                          "2006-03-01/\"><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE"
                          "</UploadId></InitiateMultipartUploadResult>")
                .value_or(""),
            "VXBsb2FkIElE");
  EXPECT_FALSE(parseUploadId("<InitiateMultipartUploadResult/>"));
  EXPECT_EQ(parseCopyETag("<CopyPartResult><LastModified>2011-04-11T20:34:56.000Z</LastModified>"
                          "<ETag>\"9b2cf535f27731c974343645a3985328\"</ETag></CopyPartResult>")
                .value_or(""),
            "\"9b2cf535f27731c974343645a3985328\"");
  EXPECT_EQ(
      parseCopyETag("<CopyObjectResult><ETag>&quot;e&quot;</ETag></CopyObjectResult>").value_or(""),
      "\"e\"");
  EXPECT_FALSE(parseCopyETag("<Error><Code>InternalError</Code></Error>"));

  auto deleted = parseDeleteResult(
      "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code>"
      "<Message>Access Denied</Message></Error></DeleteResult>");
  ASSERT_TRUE(deleted);
  ASSERT_EQ(deleted->size(), 1u);
  EXPECT_EQ((*deleted)[0].key, "b");
  EXPECT_EQ((*deleted)[0].error.code, "AccessDenied");
}

TEST(S3XmlTest, DecodesEntitiesCdataAndSkipsCommentsAndAttributes) {
  auto root = parseXml(
      "<!-- lead --><R a='1>2' b=\"x/y\"><!-- c --><K>&lt;&#65;&#x42;&#x20AC;&gt;</K>"
      "<C><![CDATA[<raw & text>]]></C><E/><E attr=\"v\" /></R>");
  ASSERT_TRUE(root) << root.error().detail;
  EXPECT_EQ(root->childText("K"), "<AB\xe2\x82\xac>");
  EXPECT_EQ(root->childText("C"), "<raw & text>");
  EXPECT_EQ(root->childrenNamed("E").size(), 2u);
  EXPECT_EQ(root->childText("Missing"), "");
}

TEST(S3XmlTest, RefusesHostileAndBrokenDocuments) {
  const std::string deep = std::string(100, '<');
  std::string nested;
  for (int i = 0; i < 100; ++i) nested += "<a>";
  for (int i = 0; i < 100; ++i) nested += "</a>";
  for (const std::string& bad : std::vector<std::string>{
           "",
           "   ",
           "plain text",
           "<a>",
           "<a></b>",
           "<a><b></a></b>",
           "<a>text",
           "<a b=\"unterminated></a>",
           "<a>&unknown;</a>",
           "<a>&#0;</a>",
           "<a>&#xD800;</a>",
           "<a>&#x110000;</a>",
           "<a>&#12345678901234;</a>",
           "<a>&amp</a>",
           "<a><![CDATA[never closed</a>",
           "<!-- never closed <a></a>",
           "<?xml version=\"1.0\"",
           "<!DOCTYPE lolz [<!ENTITY lol \"lol\">]><a>&lol;</a>",
           "<a><!ENTITY x \"y\"></a>",
           "<a></a><b></b>",
           "<a></a>trailing",
           "<>",
           "</a>",
           "<a <b>></a>",
           deep,
           nested,
       }) {
    EXPECT_FALSE(parseXml(bad)) << bad.substr(0, 60);
  }
  // Broken answers are errors of the typed parsers, never empty successes.
  EXPECT_FALSE(
      parseListObjects("<ListBucketResult><Contents><Key>k</Key></Contents>"
                       "</ListBucketResult>"));
  EXPECT_FALSE(
      parseListObjects("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size>"
                       "</Contents></ListBucketResult>"));
  EXPECT_FALSE(
      parseListObjects("<ListBucketResult><IsTruncated>true</IsTruncated>"
                       "</ListBucketResult>"));
  EXPECT_FALSE(parseListObjects("<Error><Code>AccessDenied</Code></Error>"));
  EXPECT_FALSE(parseListObjects("<ListBucketResult><CommonPrefixes/></ListBucketResult>"));
}

TEST(S3XmlTest, SurvivesLargeAndRepetitiveInput) {
  std::string many = "<ListBucketResult><IsTruncated>false</IsTruncated>";
  for (int i = 0; i < 20000; ++i) {
    many += "<Contents><Key>k" + std::to_string(i) + "</Key><Size>1</Size></Contents>";
  }
  many += "</ListBucketResult>";
  auto page = parseListObjects(many);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->objects.size(), 20000u);
  EXPECT_FALSE(parseXml(std::string(70 << 20, ' ')));  // over the size limit
  std::string wide = "<a>";
  for (int i = 0; i < 100010; ++i) wide += "<b/>";
  wide += "</a>";
  EXPECT_FALSE(parseXml(wide));  // over the element limit
}

TEST(S3XmlTest, BuildsEscapedRequestBodies) {
  EXPECT_EQ(completeMultipartBody({"\"e1\"", "\"e2\""}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag>"
            "</Part><Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
  EXPECT_EQ(deleteObjectsBody({"a&b", "<c>"}),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"
            "<Object><Key>&lt;c&gt;</Key></Object></Delete>");
  auto back = parseXml(deleteObjectsBody({"x'\"y"}));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->child("Object")->childText("Key"), "x'\"y");
}

TEST(S3TimeTest, ParsesAndFormatsTheTimesS3Uses) {
  EXPECT_EQ(amzDate(1369353600), "20130524T000000Z");
  EXPECT_EQ(parseIso8601("2009-10-12T17:50:30.000Z"), 1255369830);
  EXPECT_EQ(parseIso8601("2009-10-12T17:50:30Z"), 1255369830);
  EXPECT_FALSE(parseIso8601("2009-10-12T17:50:30"));
  EXPECT_FALSE(parseIso8601("2009-13-12T17:50:30Z"));
  EXPECT_FALSE(parseIso8601("garbage"));
  EXPECT_EQ(parseHttpDate("Mon, 12 Oct 2009 17:50:30 GMT"), 1255369830);
  EXPECT_FALSE(parseHttpDate("Mon, 12 Foo 2009 17:50:30 GMT"));
  EXPECT_FALSE(parseHttpDate("Mon, 12 Oct 2009 17:50:30 UTC"));
  EXPECT_FALSE(parseHttpDate(""));
}

TEST(S3PartsTest, NamesSortInFileOrderAndMustJoinUp) {
  EXPECT_EQ(partKey("reg/u/data", 0), "reg/u/data/.part-00000000000000000000");
  EXPECT_EQ(partKey("k", 5242880), "k/.part-00000000000005242880");
  EXPECT_LT(partKey("k", 9999999), partKey("k", 10000000));
  EXPECT_EQ(partOffset(".part-00000000000005242880"), 5242880u);
  EXPECT_FALSE(partOffset(".part-5242880"));
  EXPECT_FALSE(partOffset(".part-0000000000000000000x"));
  EXPECT_FALSE(partOffset(".part-99999999999999999999"));  // over 2^64
  EXPECT_FALSE(partOffset("data"));

  auto parts = partsOf("k", {{"k/.part-00000000000000000004", 2, 20},
                             {"k/.part-00000000000000000000", 4, 10},
                             {"k/other", 100, 0},
                             {"kk/.part-00000000000000000000", 1, 0}});
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ(totalSize(*parts), 6u);
  EXPECT_EQ(lastModified(*parts), 20);
  EXPECT_FALSE(partsOf("k", {{"k/.part-00000000000000000000", 4, 0},
                             {"k/.part-00000000000000000003", 4, 0}}));  // overlap
  EXPECT_FALSE(partsOf("k", {{"k/.part-00000000000000000001", 4, 0}}));  // gap
  EXPECT_TRUE(partsOf("k", {})->empty());
}

}  // namespace
}  // namespace berth::registry::s3
