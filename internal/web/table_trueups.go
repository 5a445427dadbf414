package web

import (
	"cmp"
	"strconv"

	"ncms/internal/money"
)

// trueUpState ranks a true-up row's state (the state column's order):
// trued up, ready, year not ended, waiting for statements or settlements.
func trueUpState(x trueUpRow) int {
	switch {
	case x.Done:
		return 0
	case x.Ready():
		return 1
	case !x.Ended:
		return 2
	}
	return 3
}

// trueUpStateLabel is the state column in words (the export's cell).
func trueUpStateLabel(lang string, x trueUpRow) string {
	tr := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	switch trueUpState(x) {
	case 0:
		return tr("已清算 ", "trued up ") + x.CreatedBy
	case 1:
		return tr("可清算", "ready")
	case 2:
		return tr("年度未结束(预览)", "year not ended (preview)")
	}
	s := ""
	if x.Pending > 0 {
		s += tr("待审批结算单 ", "statements awaiting approval ") + strconv.Itoa(x.Pending) + " "
	}
	if x.Untaken > 0 {
		s += tr("未编入结算单的结算 ", "settlements in no statement ") + strconv.Itoa(x.Untaken)
	}
	return s
}

// trueUpColumns are the columns of the year-end true-up list
// (statement_trueups.html): shown, sortable and exported in this order;
// without ?sort by institution (code, name). The limit is exported in its
// own column, shown with the share.
func trueUpColumns(lang string) []Column[trueUpRow] {
	type t = trueUpRow
	fen := func(key, zh, en string, f func(t) money.Fen) Column[t] {
		return Column[t]{Key: key, Zh: zh, En: en, Num: true, Value: func(x t) any { return f(x).String() },
			Order: func(a, b t) int { return cmp.Compare(f(a), f(b)) }}
	}
	limit := func(x t) string {
		if x.SelfPayLimit == 0 {
			return ""
		}
		return x.SelfPayLimit.String()
	}
	return []Column[t]{
		{Key: "institution", Zh: "机构", En: "Institution", Value: func(x t) any { return x.Institution },
			Order: byString(func(x t) string { return x.Institution })},
		fen("cost", "医疗费(适用范围)", "Cost (in scope)", func(x t) money.Fen { return x.BaseMedFee }),
		fen("self", "自费", "Self-paid", func(x t) money.Fen { return x.BaseSelfPaid }),
		{Key: "share", Zh: "自费比例 / 上限", En: "Share / limit", Num: true, Value: func(x t) any { return x.Share.String() },
			Order: func(a, b t) int { return cmp.Compare(a.Share, b.Share) }},
		{Key: "limit", Zh: "上限", En: "Limit", NoHead: true, Value: func(x t) any { return limit(x) }},
		fen("withheld", "已暂扣", "Withheld", func(x t) money.Fen { return x.Withheld }),
		fen("kept", "扣留", "Kept", func(x t) money.Fen { return x.Kept }),
		fen("returned", "返还", "Returned", func(x t) money.Fen { return x.Returned }),
		{Key: "state", Zh: "状态", En: "State", Value: func(x t) any { return trueUpStateLabel(lang, x) },
			Order: byInt(trueUpState)},
	}
}
