"""Slots read from free text: names, phones, ID numbers, places, employers, money, people, time, wants."""
from datetime import date, datetime

import pytest

from bot.understanding import Place


@pytest.mark.parametrize("text,name", [("我叫陈小兵", "陈小兵"), ("名字是王芳", "王芳"), ("陈小兵", "陈小兵"),
                                       ("我是刘德明", "刘德明"), ("姓名：赵丽", "赵丽"), ("欧阳春花", "欧阳春花"),
                                       ("我姓张 叫张海涛", "张海涛"), ("叫我周敏就行", "周敏"),
                                       ("我叫王芳在杭州上班", "王芳"), ("我的名字叫李秀梅，电话…", "李秀梅"),
                                       ("本人孙志强", "孙志强"), ("我叫 何丽", "何丽")])
def test_names(read, text, name):
    assert read(text).name.value == name


@pytest.mark.parametrize("text", ["我是李建国的家属", "我是工人", "我是杭州人", "我是小王", "周末", "高兴", "明天",
                                  "我是王师傅", "我老公叫吴刚", "老板姓李", "我姓吴", "谢谢", "金华", "萧山",
                                  "我是张伟他老婆", "我叫什么不重要", "13712349876"])
def test_not_names(read, text):
    assert read(text).name is None


@pytest.mark.parametrize("text,phone", [("电话 158-6712-3345", "15867123345"), ("嗯继续吧 手机13712349876", "13712349876"),
                                        ("１３７１２３４９８７６", "13712349876"), ("138 5761 2340", "13857612340"),
                                        ("+86 139-0571-2233", "13905712233"), ("8613857612340", "13857612340"),
                                        ("一三八五七六一二三四零", "13857612340"), ("幺三九零五七一二二三三", "13905712233"),
                                        ("手机号:18968012345 白天打", "18968012345"),
                                        ("号码１５９ ００１２ ３４５６", "15900123456")])
def test_phones(read, text, phone):
    found = read(text).phone
    assert found.value == phone
    assert len(text[found.start:found.end].replace(" ", "")) >= 11


@pytest.mark.parametrize("text", ["0571-87654321", "1234567", "12345678901", "10086", "身份证330382199003071233",
                                  "订单号 202512031234567", "欠了我135000块", "一二三"])
def test_not_phones(read, text):
    assert read(text).phone is None


def test_id_numbers_need_a_right_check_digit(read):
    assert read("身份证号 3310 2319 7802 2833 18").id_number.value == "331023197802283318"
    assert read("33038219900307123x").id_number is None
    assert read("330382199003071234").id_number is None


@pytest.mark.parametrize("text,city,district", [("乐清", "温州市", "乐清市"), ("萧山", "杭州市", "萧山区"),
                                                ("义乌", "金华市", "义乌市"), ("义乌佛堂", "金华市", "义乌市"),
                                                ("温州乐清柳市镇", "温州市", "乐清市"), ("杭州", "杭州市", None),
                                                ("舟山普陀", "舟山市", "普陀区"), ("龍港", "温州市", "龙港市"),
                                                ("浙江省丽水市莲都区", "丽水市", "莲都区"), ("天台县", "台州市", "天台县"),
                                                ("我在慈溪上班", "宁波市", "慈溪市"), ("在宁波北仑", "宁波市", "北仑区")])
def test_places(read, text, city, district):
    assert read(text).place.value == Place(city, district)


@pytest.mark.parametrize("text", ["上海", "滨江路上那个厂", "我们在天台上干活", "北京朝阳", "江山如画", "西湖边散步"])
def test_not_places(read, text):
    place = read(text).place
    assert place is None or place.value.district is None and place.value.city == "杭州市" and "西湖" in text


@pytest.mark.parametrize("text,employer", [("我在杭州某某电子厂上班", "杭州某某电子厂"),
                                           ("单位是宁波华盛模具有限公司", "宁波华盛模具有限公司"),
                                           ("公司叫新宇服饰", "新宇服饰"), ("在萧山的明辉汽配厂打工", "明辉汽配厂"),
                                           ("我在美团送外卖", "美团")])
def test_employers(read, text, employer):
    assert read(text).employer.value == employer


@pytest.mark.parametrize("text", ["我们厂", "在一家快递公司送件", "在萧山一个厂里", "厂里拖了我半年工资", "我在义乌上班"])
def test_not_employers(read, text):
    assert read(text).employer is None


@pytest.mark.parametrize("text,yuan", [("欠了我三万多", 30000), ("8千5", 8500), ("两个月工资一万二", 12000),
                                       ("一共两万三", 23000), ("八千多块钱", 8000), ("5000块", 5000),
                                       ("拖欠工资1.2万", 12000), ("欠薪3w", 30000), ("两千五", 2500),
                                       ("月薪６０００", 6000), ("欠我四千二百元", 4200)])
def test_money(read, text, yuan):
    assert read(text).money.value.yuan == yuan


@pytest.mark.parametrize("text", ["我今年35岁", "住在3楼", "上班8小时", "3号线", "我们组5个人", "12月20号",
                                  "后天晚上七点", "13712349876", "两个月"])
def test_not_money(read, text):
    assert read(text).money is None


@pytest.mark.parametrize("text,people,approx", [("我们车间二十几个人", 20, True), ("我和我老婆两个人", 2, False),
                                                ("大概有一百多人", 100, True), ("就我一个人", 1, False),
                                                ("我和老婆一起报", 2, False), ("厂里五十多个工人", 50, True),
                                                ("十几个人都没拿到", 10, True), ("我们组七八个人都这样", 7, True),
                                                ("十七八个人", 17, True)])
def test_headcounts(read, text, people, approx):
    count = read(text).headcount.value
    assert (count.people, count.approximate) == (people, approx)


@pytest.mark.parametrize("text,amount,unit", [("三个月没发工资", 3, "month"), ("厂里拖了我半年工资", 6, "month"),
                                              ("一年半了", 18, "month"), ("十来天的工钱没给", 10, "day"),
                                              ("干了两年", 2, "year"), ("拖了我八个多月", 8, "month"),
                                              ("两周", 2, "week"), ("半个月", 15, "day")])
def test_durations(read, text, amount, unit):
    found = read(text).duration.value
    assert (found.amount, found.unit) == (amount, unit)


@pytest.mark.parametrize("text", ["三月", "2024年", "下周日", "星期三", "明天", "扣了我半个月工资说是罚款",
                                  "罚了三天的工资"])
def test_not_durations(read, text):
    assert read(text).duration is None


@pytest.mark.parametrize("text,since", [("从去年十月开始", date(2024, 10, 1)), ("从今年三月起", date(2025, 3, 1)),
                                        ("上个月开始", date(2025, 11, 1)), ("八月份开始拖的", date(2025, 8, 1)),
                                        ("去年年底开始", date(2024, 12, 1))])
def test_since(read, text, since):
    assert read(text).since.value == since


def test_since_in_march_means_last_year_for_a_later_month(read):
    assert read("十月份开始", today=date(2026, 3, 2)).since.value == date(2025, 10, 1)


@pytest.mark.parametrize("text,day", [("下周日", date(2025, 12, 14)), ("礼拜六上午", date(2025, 12, 6)),
                                      ("本周末", date(2025, 12, 6)), ("12月20号", date(2025, 12, 20)),
                                      ("明天下午", date(2025, 12, 4)), ("下周三晚上", date(2025, 12, 10)),
                                      ("上个月底", date(2025, 11, 30)), ("前天", date(2025, 12, 1)),
                                      ("下個禮拜二", date(2025, 12, 9)), ("大后天", date(2025, 12, 6))])
def test_times(read, text, day):
    assert read(text).when.value.day == day


def test_morning_is_a_morning(read):
    when = read("礼拜六上午那个").when.value
    assert when.start.hour < 12 and when.end.hour < 12


def test_month_ends_across_a_short_month(read):
    assert read("上个月底", today=date(2025, 3, 10)).when.value.day == date(2025, 2, 28)
    assert read("明天", today=date(2025, 2, 28)).when.value.day == date(2025, 3, 1)
    assert read("下周一", today=datetime(2025, 12, 28, 20, 0)).when.value.day == date(2025, 12, 29)


@pytest.mark.parametrize("text", ["3号线", "我今年35岁", "周到", "三个人"])
def test_not_times(read, text):
    assert read(text).when is None


@pytest.mark.parametrize("text,wants", [("想要回工资", ["back_pay"]), ("要求赔偿", ["compensation"]),
                                        ("想让公司跟我签合同", ["contract"]), ("希望给我们补交社保", ["social_insurance"]),
                                        ("不想再被强制加班了", ["stop_overtime"]),
                                        ("把欠的工资结清 再给我经济补偿", ["back_pay", "compensation"]),
                                        ("不要赔偿 只要把工资结清", ["back_pay"]), ("加班费怎么算", [])])
def test_wants(read, text, wants):
    assert sorted(w.value for w in read(text).wants) == sorted(wants)


def test_one_message_fills_several_slots(read):
    found = read("喂你好我叫刘海波在温州瓯海一个鞋厂上班老板已经三个月没发工资了大概欠我两万多我们车间三十几个人都一样")
    assert found.values() == {"name": "刘海波", "city": "温州市", "district": "瓯海区", "money": 20000,
                              "duration_months": 3, "headcount": 30, "wants": ["back_pay"]}


def test_spans_index_the_original_text(read):
    text = "我叫王建军，手机１３８５７６１２３４０"
    found = read(text)
    assert text[found.name.start:found.name.end] == "王建军"
    assert text[found.phone.start:found.phone.end] == "１３８５７６１２３４０"
